"""Word lists for plausible names and places (India, Sri Lanka, Nepal). Data only."""
from __future__ import annotations

from typing import Dict, Tuple

FIRST_NAMES = (
    "Aarav", "Aditi", "Akash", "Ananya", "Anil", "Anjali", "Arjun", "Deepa", "Divya", "Gaurav",
    "Harish", "Isha", "Kavita", "Kiran", "Lakshmi", "Manoj", "Meera", "Mohan", "Neha", "Nikhil",
    "Pooja", "Prakash", "Priya", "Rahul", "Rajesh", "Ravi", "Rohan", "Sanjay", "Shreya", "Sneha",
    "Sunil", "Suresh", "Swati", "Tanvi", "Uday", "Varun", "Vidya", "Vijay", "Vikram", "Yash",
)

LAST_NAMES = (
    "Agarwal", "Bhat", "Chatterjee", "Desai", "Deshpande", "Gupta", "Iyer", "Jain", "Joshi", "Kapoor",
    "Kulkarni", "Kumar", "Menon", "Mishra", "Nair", "Naidu", "Patel", "Pillai", "Rao", "Reddy",
    "Saxena", "Shah", "Sharma", "Shetty", "Singh", "Sinha", "Srinivasan", "Thakur", "Verma", "Yadav",
)

# Headquarter towns of territories: per country, its zones; per zone, its states (provinces in Sri
# Lanka and Nepal), neighbours next to each other; per state, real towns, biggest first. A town
# appears once across all lists (territory names are unique). A zone's territories take the first
# towns of its states, states in proportion to their towns, so an area stays in one state and a
# region in one state or a few neighbouring ones. A zone name the lists do not know draws on every
# state of its country.
State = Tuple[str, Tuple[str, ...]]
ZONES: Dict[str, Dict[str, Tuple[State, ...]]] = {
    "IN": {
        "North": (
            ("Jammu and Kashmir", ("Jammu", "Srinagar", "Anantnag", "Baramulla", "Kathua", "Udhampur", "Sopore",
                                   "Rajouri")),
            ("Himachal Pradesh", ("Shimla", "Mandi", "Solan", "Dharamshala", "Kullu", "Hamirpur", "Una", "Nahan",
                                  "Chamba", "Palampur")),
            ("Punjab", ("Ludhiana", "Amritsar", "Jalandhar", "Chandigarh", "Patiala", "Bathinda", "Mohali",
                        "Hoshiarpur", "Pathankot", "Moga", "Firozpur", "Sangrur", "Kapurthala", "Phagwara", "Barnala",
                        "Faridkot", "Muktsar", "Gurdaspur", "Batala", "Rajpura", "Khanna")),
            ("Haryana", ("Gurugram", "Faridabad", "Panipat", "Sonipat", "Karnal", "Ambala", "Yamunanagar",
                         "Kurukshetra", "Rohtak", "Hisar", "Sirsa", "Bhiwani", "Rewari", "Jind", "Kaithal", "Panchkula",
                         "Palwal", "Jhajjar", "Fatehabad", "Narnaul")),
            ("Delhi", ("Delhi", "New Delhi", "Rohini", "Dwarka", "Shahdara", "Najafgarh", "Narela")),
            ("Uttarakhand", ("Dehradun", "Haridwar", "Roorkee", "Haldwani", "Rudrapur", "Kashipur", "Rishikesh",
                             "Nainital", "Almora", "Kotdwar")),
            ("Uttar Pradesh (West)", ("Ghaziabad", "Noida", "Meerut", "Agra", "Aligarh", "Moradabad", "Bareilly",
                                      "Saharanpur", "Mathura", "Muzaffarnagar", "Bulandshahr", "Hapur", "Rampur",
                                      "Shahjahanpur", "Firozabad", "Etawah", "Mainpuri", "Budaun", "Pilibhit",
                                      "Bijnor", "Amroha", "Etah", "Kasganj", "Baghpat", "Shamli")),
        ),
        "West": (
            ("Rajasthan", ("Jaipur", "Jodhpur", "Udaipur", "Kota", "Ajmer", "Bikaner", "Alwar", "Bhilwara", "Sikar",
                           "Sri Ganganagar", "Pali", "Bharatpur", "Tonk", "Chittorgarh", "Barmer", "Jhunjhunu",
                           "Churu", "Nagaur", "Beawar", "Kishangarh", "Hanumangarh", "Banswara", "Sawai Madhopur",
                           "Dausa")),
            ("Gujarat", ("Ahmedabad", "Surat", "Vadodara", "Rajkot", "Bhavnagar", "Jamnagar", "Gandhinagar",
                         "Junagadh", "Anand", "Nadiad", "Bharuch", "Ankleshwar", "Vapi", "Navsari", "Valsad", "Mehsana",
                         "Palanpur", "Bhuj", "Gandhidham", "Morbi", "Surendranagar", "Porbandar", "Amreli", "Godhra",
                         "Dahod", "Veraval", "Botad", "Himmatnagar", "Patan")),
            ("Maharashtra", ("Mumbai", "Pune", "Thane", "Nagpur", "Nashik", "Navi Mumbai", "Aurangabad", "Solapur",
                             "Kalyan", "Pimpri-Chinchwad", "Kolhapur", "Vasai", "Bhiwandi", "Panvel", "Sangli",
                             "Satara", "Ahmednagar", "Jalgaon", "Dhule", "Nanded", "Latur", "Amravati", "Akola",
                             "Chandrapur", "Wardha", "Yavatmal", "Parbhani", "Beed", "Dharashiv", "Ratnagiri",
                             "Malegaon", "Ichalkaranji", "Jalna", "Buldhana", "Gondia", "Bhandara", "Baramati",
                             "Karad")),
        ),
        "South": (
            ("Telangana", ("Hyderabad", "Secunderabad", "Warangal", "Karimnagar", "Nizamabad", "Khammam",
                           "Mahbubnagar", "Nalgonda", "Adilabad", "Siddipet", "Suryapet", "Ramagundam", "Mancherial",
                           "Kothagudem", "Sangareddy", "Miryalaguda", "Jagtial", "Wanaparthy", "Bhongir",
                           "Kamareddy")),
            ("Andhra Pradesh", ("Visakhapatnam", "Vijayawada", "Guntur", "Nellore", "Kurnool", "Tirupati",
                                "Kakinada", "Rajahmundry", "Kadapa", "Anantapur", "Eluru", "Ongole", "Vizianagaram",
                                "Srikakulam", "Machilipatnam", "Chittoor", "Tenali", "Proddatur", "Nandyal",
                                "Bhimavaram", "Hindupur", "Amalapuram", "Tadepalligudem", "Gudivada",
                                "Narasaraopet", "Chilakaluripet", "Dharmavaram")),
            ("Tamil Nadu", ("Chennai", "Coimbatore", "Madurai", "Tiruchirappalli", "Salem", "Tirunelveli", "Tiruppur",
                            "Erode", "Vellore", "Thoothukudi", "Thanjavur", "Dindigul", "Karur", "Nagercoil",
                            "Kanchipuram", "Kumbakonam", "Hosur", "Namakkal", "Cuddalore", "Karaikudi", "Pollachi",
                            "Sivakasi", "Tambaram", "Villupuram", "Pudukkottai", "Ramanathapuram", "Krishnagiri",
                            "Dharmapuri", "Tiruvannamalai", "Nagapattinam", "Ooty", "Kovilpatti", "Rajapalayam",
                            "Virudhunagar", "Theni", "Ariyalur", "Perambalur", "Mayiladuthurai", "Tiruvallur",
                            "Chengalpattu", "Arakkonam", "Gudiyatham", "Ambur")),
            ("Puducherry", ("Puducherry", "Karaikal")),
        ),
        "East": (
            ("Bihar", ("Patna", "Gaya", "Bhagalpur", "Muzaffarpur", "Darbhanga", "Purnia", "Arrah", "Begusarai",
                       "Katihar", "Munger", "Chhapra", "Saharsa", "Hajipur", "Sasaram", "Dehri", "Bettiah",
                       "Motihari", "Siwan", "Sitamarhi", "Kishanganj", "Buxar", "Bihar Sharif", "Jehanabad")),
            ("Jharkhand", ("Ranchi", "Jamshedpur", "Dhanbad", "Bokaro", "Hazaribagh", "Deoghar", "Giridih",
                           "Ramgarh", "Dumka", "Chaibasa", "Daltonganj", "Phusro")),
            ("West Bengal", ("Kolkata", "Howrah", "Durgapur", "Asansol", "Siliguri", "Bardhaman", "Kharagpur",
                             "Haldia", "Malda", "Baharampur", "Krishnanagar", "Barasat", "Barrackpore", "Jalpaiguri",
                             "Cooch Behar", "Bankura", "Purulia", "Medinipur", "Raiganj", "Balurghat", "Darjeeling",
                             "Tamluk", "Serampore", "Chinsurah")),
            ("Odisha", ("Bhubaneswar", "Cuttack", "Rourkela", "Berhampur", "Sambalpur", "Balasore", "Puri",
                        "Bhadrak", "Baripada", "Jharsuguda", "Angul", "Jeypore", "Rayagada", "Kendrapara", "Bargarh",
                        "Balangir", "Dhenkanal", "Jajpur")),
        ),
        "Central": (
            ("Uttar Pradesh (Central and East)", ("Lucknow", "Kanpur", "Prayagraj", "Varanasi", "Gorakhpur", "Jhansi",
                                                 "Ayodhya", "Sultanpur", "Rae Bareli", "Unnao", "Sitapur", "Hardoi",
                                                 "Lakhimpur", "Bahraich", "Gonda", "Basti", "Azamgarh", "Mau",
                                                 "Ballia", "Jaunpur", "Ghazipur", "Mirzapur", "Deoria", "Fatehpur",
                                                 "Banda", "Orai", "Pratapgarh", "Barabanki")),
            ("Madhya Pradesh", ("Indore", "Bhopal", "Jabalpur", "Gwalior", "Ujjain", "Sagar", "Dewas", "Satna",
                                "Ratlam", "Rewa", "Katni", "Singrauli", "Burhanpur", "Khandwa", "Chhindwara", "Guna",
                                "Shivpuri", "Vidisha", "Damoh", "Mandsaur", "Neemuch", "Khargone", "Narmadapuram",
                                "Itarsi", "Sehore", "Betul", "Seoni", "Balaghat", "Chhatarpur", "Tikamgarh", "Morena",
                                "Bhind", "Datia", "Shahdol", "Dhar")),
            ("Chhattisgarh", ("Raipur", "Bhilai", "Durg", "Bilaspur", "Korba", "Rajnandgaon", "Raigarh", "Jagdalpur",
                              "Ambikapur", "Dhamtari", "Mahasamund", "Kanker")),
        ),
        "North-East": (
            ("Sikkim", ("Gangtok", "Namchi")),
            ("Assam", ("Guwahati", "Dibrugarh", "Jorhat", "Silchar", "Tezpur", "Nagaon", "Tinsukia", "Bongaigaon",
                       "Dhubri", "Goalpara", "Barpeta", "Nalbari", "Sivasagar", "Golaghat", "North Lakhimpur",
                       "Dhemaji", "Karimganj", "Hailakandi", "Diphu", "Mangaldoi", "Kokrajhar", "Haflong", "Morigaon",
                       "Hojai")),
            ("Meghalaya", ("Shillong", "Tura", "Jowai", "Nongstoin")),
            ("Tripura", ("Agartala", "Dharmanagar", "Kailashahar", "Belonia")),
            ("Mizoram", ("Aizawl", "Lunglei")),
            ("Manipur", ("Imphal", "Thoubal", "Churachandpur")),
            ("Nagaland", ("Dimapur", "Kohima", "Mokokchung")),
            ("Arunachal Pradesh", ("Itanagar", "Naharlagun", "Pasighat")),
        ),
        "South-West": (
            ("Goa", ("Panaji", "Margao", "Mapusa", "Vasco da Gama", "Ponda")),
            ("Karnataka", ("Bengaluru", "Mysuru", "Mangaluru", "Hubballi", "Belagavi", "Kalaburagi", "Davanagere",
                           "Ballari", "Vijayapura", "Shivamogga", "Tumakuru", "Udupi", "Raichur", "Bidar", "Hassan",
                           "Mandya", "Chitradurga", "Kolar", "Hosapete", "Dharwad", "Chikkamagaluru", "Bagalkot",
                           "Gadag", "Karwar", "Chamarajanagar", "Haveri", "Koppal", "Ramanagara", "Chikkaballapur",
                           "Madikeri", "Yadgir", "Sirsi", "Bhatkal", "Gokak", "Bhadravati", "Channapatna",
                           "Doddaballapur", "Nanjangud", "Puttur", "Ranebennur", "Harihar", "Chintamani",
                           "Kundapura")),
            ("Kerala", ("Kochi", "Thiruvananthapuram", "Kozhikode", "Thrissur", "Kollam", "Kannur", "Alappuzha",
                        "Kottayam", "Palakkad", "Malappuram", "Kasaragod", "Pathanamthitta", "Thodupuzha", "Kalpetta",
                        "Tirur", "Perinthalmanna", "Changanassery", "Thalassery", "Muvattupuzha", "Kayamkulam",
                        "Vadakara", "Guruvayur", "Ottapalam", "Kodungallur", "Neyyattinkara", "Attingal",
                        "Nedumangad")),
        ),
    },
    "LK": {
        "Sri Lanka": (
            ("Northern", ("Jaffna", "Vavuniya", "Kilinochchi", "Mannar")),
            ("North Central", ("Anuradhapura", "Polonnaruwa")),
            ("North Western", ("Kurunegala", "Puttalam", "Chilaw", "Kuliyapitiya")),
            ("Western", ("Colombo", "Negombo", "Gampaha", "Kalutara", "Moratuwa", "Panadura", "Kelaniya", "Homagama")),
            ("Southern", ("Galle", "Matara", "Hambantota", "Ambalangoda", "Tangalle")),
            ("Sabaragamuwa", ("Ratnapura", "Kegalle", "Balangoda", "Embilipitiya")),
            ("Central", ("Kandy", "Matale", "Nuwara Eliya", "Gampola", "Hatton")),
            ("Uva", ("Badulla", "Monaragala", "Bandarawela")),
            ("Eastern", ("Trincomalee", "Batticaloa", "Ampara", "Kalmunai")),
        ),
    },
    "NP": {
        "Nepal": (
            ("Sudurpashchim", ("Dhangadhi", "Mahendranagar")),
            ("Karnali", ("Birendranagar",)),
            ("Lumbini", ("Butwal", "Bhairahawa", "Nepalgunj", "Tansen", "Ghorahi", "Tulsipur", "Taulihawa")),
            ("Gandaki", ("Pokhara", "Gorkha", "Baglung", "Damauli")),
            ("Bagmati", ("Kathmandu", "Lalitpur", "Bhaktapur", "Narayangarh", "Hetauda", "Banepa", "Dhulikhel")),
            ("Madhesh", ("Birgunj", "Janakpur", "Kalaiya", "Rajbiraj", "Lahan", "Malangwa")),
            ("Koshi", ("Biratnagar", "Dharan", "Itahari", "Damak", "Birtamod", "Ilam")),
        ),
    },
}


def states_of(country: str, zone: str) -> Tuple[State, ...]:
    """The states of a zone; every state of the country when the zone name is not listed."""
    zones = ZONES[country]
    if zone in zones:
        return zones[zone]
    return tuple(state for states in zones.values() for state in states)


STATE_OF_TOWN: Dict[Tuple[str, str], str] = {
    (country, town): state for country, zones in ZONES.items() for states in zones.values()
    for state, towns in states for town in towns
}

# Stockist trading names: "<surname><suffix>"; some suffixes carry a comma, as real ones do.
STOCKIST_SUFFIXES = (
    " Medical Agencies", " Pharma Distributors", " Drug House", " & Sons, Chemists",
    " Healthcare", " Medicos", " Pharmaceuticals", " Enterprises, Wholesale",
)

# Brand names: a stem and an ending, as Indian pharma brands are coined.
BRAND_STEMS = (
    "Gluco", "Cardi", "Neuro", "Renal", "Pulmo", "Thyro", "Osteo", "Derma", "Gastro", "Femi",
    "Paedi", "Cefu", "Amlo", "Telmi", "Rosu", "Atorva", "Metfo", "Sita", "Vilda", "Panto",
    "Rabe", "Levo", "Monte", "Calci", "Ferro", "Vita", "Azi", "Amoxi", "Ortho", "Myo",
    "Cilni", "Olme", "Dapa", "Empa", "Glime", "Predni", "Ondan", "Domp", "Itra", "Terbi",
)
BRAND_ENDINGS = ("met", "sart", "nil", "lin", "zole", "vas", "ra", "cin", "fit", "pro", "za", "lex", "ix", "on")
FORMS = (  # (form in the product name, pack as sold, strengths)
    ("Tablet", "10 TAB", ("5 mg", "10 mg", "20 mg", "40 mg", "500 mg", "1 g")),
    ("Tablet", "15 TAB", ("25 mg", "50 mg", "100 mg")),
    ("Capsule", "10 CAP", ("20 mg", "40 mg", "150 mg")),
    ("Syrup", "100 ML", ("5 ml",)),
    ("Suspension", "60 ML", ("125 mg/5 ml", "250 mg/5 ml")),
    ("Injection", "1 VIAL", ("1 ml", "2 ml")),
    ("Cream", "30 G", ("0.05%", "1%")),
    ("Sachet", "1 SACHET", ("1 g", "3 g")),
)
KEY_MESSAGES = (
    "Once-daily dosing", "Proven outcome benefit", "Rapid onset of action", "Well tolerated in the elderly",
    "Affordable for long-term therapy", "Fixed-dose combination improves adherence", "Guideline recommended first line",
    "No dose adjustment in renal impairment", "Weight neutral", "Low risk of hypoglycaemia",
)
EVENT_TOPICS = (
    "Clinical update", "Case discussion", "Guidelines review", "New evidence", "Expert panel", "Practice pearls",
)
EVENT_TYPE_LABELS = {"CME": "CME", "ROUND_TABLE": "Round table", "WEBINAR": "Webinar", "CONFERENCE": "Conference"}
COURSE_TOPICS = {
    "INDUCTION": ("Field force induction", "Company and values induction"),
    "COMPLIANCE": ("Code of marketing practice", "Pharmacovigilance basics", "Anti-bribery and gifts",
                   "Data privacy for field staff", "Sample handling"),
    "SELLING_SKILLS": ("Effective detailing", "Objection handling", "Call planning with the MCL",
                       "Key account management", "Coaching in joint working"),
}
