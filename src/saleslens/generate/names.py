"""Word lists for plausible names and places (India, Sri Lanka, Nepal). Data only."""
from __future__ import annotations

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

# Towns that field staff are based in, per country; a zone takes its share, round robin.
CITIES = {
    "IN": (
        "Mumbai", "Pune", "Delhi", "Lucknow", "Chennai", "Bengaluru", "Hyderabad", "Kolkata",
        "Ahmedabad", "Jaipur", "Indore", "Nagpur", "Patna", "Bhopal", "Kochi", "Coimbatore",
        "Surat", "Vadodara", "Nashik", "Chandigarh", "Guwahati", "Bhubaneswar", "Ranchi", "Raipur",
        "Visakhapatnam", "Madurai", "Mysuru", "Agra", "Varanasi", "Kanpur", "Thane", "Aurangabad",
        "Solapur", "Kolhapur", "Rajkot", "Jamnagar", "Udaipur", "Jodhpur", "Kota", "Ajmer",
        "Amritsar", "Ludhiana", "Jalandhar", "Dehradun", "Meerut", "Bareilly", "Aligarh", "Gorakhpur",
        "Allahabad", "Jabalpur", "Gwalior", "Ujjain", "Bilaspur", "Durg", "Cuttack", "Rourkela",
        "Jamshedpur", "Dhanbad", "Gaya", "Muzaffarpur", "Siliguri", "Asansol", "Durgapur", "Shillong",
        "Silchar", "Dibrugarh", "Imphal", "Agartala", "Thiruvananthapuram", "Kozhikode", "Thrissur", "Mangaluru",
        "Hubballi", "Belagavi", "Davangere", "Salem", "Tiruchirappalli", "Tirunelveli", "Vellore", "Puducherry",
        "Vijayawada", "Guntur", "Nellore", "Warangal", "Tirupati", "Goa", "Panaji", "Karwar",
    ),
    "LK": ("Colombo", "Kandy", "Galle", "Jaffna", "Negombo", "Kurunegala", "Matara", "Anuradhapura",
           "Ratnapura", "Batticaloa", "Trincomalee", "Badulla"),
    "NP": ("Kathmandu", "Pokhara", "Lalitpur", "Biratnagar", "Birgunj", "Bharatpur", "Butwal",
           "Dharan", "Janakpur", "Nepalgunj"),
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
