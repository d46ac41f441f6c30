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

CITIES = {
    "IN": (
        "Mumbai", "Pune", "Delhi", "Lucknow", "Chennai", "Bengaluru", "Hyderabad", "Kolkata",
        "Ahmedabad", "Jaipur", "Indore", "Nagpur", "Patna", "Bhopal", "Kochi", "Coimbatore",
        "Surat", "Vadodara", "Nashik", "Chandigarh", "Guwahati", "Bhubaneswar", "Ranchi", "Raipur",
        "Visakhapatnam", "Madurai", "Mysuru", "Agra", "Varanasi", "Kanpur",
    ),
    "LK": ("Colombo", "Kandy", "Galle", "Jaffna", "Negombo", "Kurunegala"),
    "NP": ("Kathmandu", "Pokhara", "Lalitpur", "Biratnagar", "Birgunj"),
}

ZONE_NAMES = {
    "IN": ("West", "North", "South", "East", "Central", "North-East", "South-West"),
    "LK": ("Sri Lanka",),
    "NP": ("Nepal",),
}

# Stockist trading names: "<surname><suffix>"; some suffixes carry a comma, as real ones do.
STOCKIST_SUFFIXES = (
    " Medical Agencies", " Pharma Distributors", " Drug House", " & Sons, Chemists",
    " Healthcare", " Medicos", " Pharmaceuticals", " Enterprises, Wholesale",
)
