"""Reference data for demo records: who acupuncturists are, where they practise, how they write.

Weights are relative, not percentages. Everything here is made up except the shape of it:
state weights follow where licensed acupuncturists actually practise, metro centres are
real coordinates, titles and number formats follow each board's conventions.
"""
from __future__ import annotations

from typing import NamedTuple


class NamePool(NamedTuple):
    weight: float
    first: tuple[str, ...]
    last: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]  # (language, chance a practitioner speaks it)


_SHARED_FIRST = ("Grace", "Daniel", "Michael", "Angela", "David", "Jenny", "Peter", "Sarah", "Kevin", "Amy")

NAME_POOLS: dict[str, NamePool] = {
    "chinese": NamePool(22, (
        "Wei", "Mei", "Li", "Jing", "Xiao", "Hui", "Yan", "Lei", "Ming", "Hong", "Ying", "Jun", "Lin",
        "Fang", "Hao", "Qing", "Yu", "Zhen", "Jian", "Ling", "Xin", "Yun", "Bo", "Tao", "Jia", "Shu",
        "Kai", "Lan", "Rui", "Jasmine", "Vivian", "Eric", "Helen", "Tony", "Cindy", "Jason", "Irene",
        "Alan", "Wendy", "Annie", "Emily", *_SHARED_FIRST), (
        "Chen", "Wang", "Li", "Zhang", "Liu", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma",
        "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao", "Zheng", "Liang", "Xie", "Tang", "Han", "Feng",
        "Deng", "Cao", "Peng", "Zeng", "Tian", "Dong", "Pan", "Yuan", "Cai", "Jiang", "Du", "Ye", "Cheng",
        "Su", "Lu", "Ding", "Shen", "Yao", "Fong", "Chan", "Wong", "Leung", "Lam", "Ng", "Cheung", "Ho",
        "Tsang", "Kwan", "Yip", "Chow"), (("Mandarin", 0.55), ("Cantonese", 0.3))),
    "korean": NamePool(11, (
        "Ji-hoon", "Min-jun", "Seo-yeon", "Ji-woo", "Hyun-woo", "Eun-ji", "Soo-jin", "Young-hee",
        "Jae-won", "Hye-jin", "Sung-min", "Ji-young", "Dong-hyun", "Min-seo", "Yoon-ah", "Sang-woo",
        "Kyung-mi", "Jin-ho", "Hana", "Joseph", "Esther", "John", "Christine", "Paul", *_SHARED_FIRST), (
        "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh", "Seo",
        "Shin", "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong", "Jeon", "Ko", "Moon", "Son", "Bae", "Baek",
        "Heo", "Nam", "Noh"), (("Korean", 0.65),)),
    "japanese": NamePool(3, (
        "Haruto", "Yuki", "Aiko", "Kenji", "Hiroshi", "Sakura", "Takeshi", "Emi", "Naoko", "Satoshi",
        "Yumi", "Kaito", "Mariko", "Daisuke", "Keiko", "Ren", "Akira", "Noriko", "Sho", "Miho"), (
        "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato",
        "Yoshida", "Yamada", "Sasaki", "Matsumoto", "Inoue", "Kimura", "Hayashi", "Shimizu", "Mori",
        "Ikeda", "Hashimoto", "Ishikawa", "Ogawa", "Okada", "Fujita", "Nakashima"), (("Japanese", 0.4),)),
    "vietnamese": NamePool(4, (
        "Linh", "Anh", "Minh", "Huong", "Thanh", "Tuan", "Lan", "Duc", "Mai", "Hung", "Trang", "Nam",
        "Phuong", "Quang", "Thao", "Long", "Ngoc", "Khanh", "Bao", "Vy", "Hieu", "Tam", "Thu", "Dung"), (
        "Nguyen", "Tran", "Le", "Pham", "Hoang", "Huynh", "Phan", "Vu", "Vo", "Dang", "Bui", "Do", "Ngo",
        "Duong", "Ly", "Truong", "Dinh"), (("Vietnamese", 0.6),)),
    "hispanic": NamePool(8, (
        "José", "María", "Carlos", "Ana", "Luis", "Sofía", "Miguel", "Isabel", "Alejandro", "Gabriela",
        "Diego", "Lucía", "Javier", "Elena", "Andrés", "Camila", "Ricardo", "Valeria", "Fernando", "Rosa",
        "Mateo", "Daniela", "Rafael", "Carmen", "Julián", "Paola", "Eduardo", "Natalia", "Marco"), (
        "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
        "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Reyes",
        "Gutiérrez", "Ortiz", "Castillo", "Jiménez", "Vargas", "Romero", "Mendoza", "Herrera", "Medina",
        "Aguilar", "Castro", "Vega", "Ruiz"), (("Spanish", 0.75), ("Portuguese", 0.03))),
    "american": NamePool(40, (
        "Sarah", "Jennifer", "Emily", "Jessica", "Rachel", "Laura", "Megan", "Rebecca", "Katherine",
        "Anna", "Hannah", "Olivia", "Claire", "Leah", "Abigail", "Erin", "Molly", "Julia", "Naomi",
        "Caroline", "Michael", "David", "James", "Daniel", "Matthew", "Andrew", "Benjamin", "Jonathan",
        "Christopher", "Nathan", "Samuel", "Thomas", "Ryan", "Adam", "Joshua", "Eli", "Aaron", "Owen",
        "Lucas", "Noah", "Tamika", "Aaliyah", "Jasmine", "Keisha", "Imani", "Marcus", "Jamal", "Darnell",
        "Andre", "Malik", "Zoë", "Willow", "River", "Sage", "Jesse", "Quinn", "Morgan", "Taylor"), (
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
        "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis",
        "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
        "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker",
        "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Cooper",
        "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ward", "Richardson", "Watson", "Brooks",
        "Bennett", "Gray", "Hughes", "Price", "Foster", "Sullivan", "Russell", "Hayes", "Myers", "Ford",
        "Hamilton", "Graham", "Wallace", "Cole", "West", "Reynolds", "Fisher", "Ellis", "Gibson",
        "Marshall", "Owens", "Kennedy", "Wells", "Schwartz", "Cohen", "Goldberg", "Friedman", "Katz",
        "Levy", "Weiss", "Kaplan", "Rosen", "Klein", "Schmidt", "Mueller", "Wagner", "Becker", "Hoffman",
        "O'Brien", "Gallagher", "Rossi", "Russo", "Romano", "Esposito", "Larsen", "Olsen", "Hansen",
        "Nielsen"), (("Spanish", 0.1), ("French", 0.03))),
    "south_asian": NamePool(3, (
        "Priya", "Arjun", "Ananya", "Rahul", "Deepa", "Vikram", "Kavya", "Sanjay", "Neha", "Rohan",
        "Anjali", "Amit", "Pooja", "Ravi", "Sunita", "Nikhil", "Meera", "Aarav", "Divya", "Karan"), (
        "Patel", "Shah", "Sharma", "Singh", "Kumar", "Gupta", "Mehta", "Desai", "Iyer", "Reddy", "Rao",
        "Joshi", "Nair", "Kapoor", "Chopra", "Malhotra", "Bhatt", "Agarwal", "Menon", "Pillai"),
        (("Hindi", 0.45),)),
    "middle_eastern": NamePool(3, (
        "Ali", "Sara", "Reza", "Leila", "Omar", "Yasmin", "Dariush", "Nadia", "Karim", "Shirin", "Amir",
        "Layla", "Farid", "Mina", "Hassan", "Parisa", "Samir", "Roya", "Tariq", "Dalia"), (
        "Hosseini", "Rahimi", "Karimi", "Ahmadi", "Moradi", "Haddad", "Khoury", "Nasser", "Saleh",
        "Mansour", "Farahani", "Tehrani", "Sadeghi", "Jaber", "Aziz"), (("Farsi", 0.35), ("Arabic", 0.3))),
    "filipino": NamePool(2, (
        "Maria", "Jose", "Angelica", "Mark", "Kristine", "Paolo", "Joy", "Rommel", "Cherry", "Jericho",
        "Mylene", "Ramon", "Liza", "Arnel", "Bea"), (
        "Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza", "Villanueva", "Aquino",
        "Dela Cruz", "Ramos", "Navarro", "Tolentino", "Manalo"), (("Tagalog", 0.5),)),
    "russian": NamePool(2, (
        "Olga", "Dmitri", "Natalia", "Sergei", "Elena", "Alexei", "Irina", "Nikolai", "Svetlana",
        "Mikhail", "Anastasia", "Ivan", "Tatiana", "Yuri", "Ekaterina"), (
        "Ivanov", "Petrov", "Smirnov", "Volkov", "Kuznetsov", "Popov", "Sokolov", "Morozov", "Novikov",
        "Fedorov", "Orlov", "Pavlov", "Lebedev", "Kozlov", "Belov"), (("Russian", 0.6),)),
    "lusophone": NamePool(1, (
        "João", "Beatriz", "Thiago", "Mariana", "Rafael", "Juliana", "Gustavo", "Fernanda", "Felipe",
        "Larissa"), (
        "Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida", "Ferreira", "Carvalho",
        "Ribeiro"), (("Portuguese", 0.7), ("Spanish", 0.2))),
    "french": NamePool(1, (
        "Camille", "Julien", "Chloé", "Mathieu", "Amélie", "Antoine", "Élodie", "Nicolas", "Margaux",
        "Luc"), (
        "Dubois", "Lefebvre", "Moreau", "Laurent", "Girard", "Fournier", "Mercier", "Bonnet", "Rousseau",
        "Blanc"), (("French", 0.6),)),
}

# Relative number of practising acupuncturists per state. Alabama, Oklahoma and South
# Dakota do not license acupuncture, so no demo clinic is placed there.
STATE_WEIGHTS: dict[str, float] = {
    "CA": 30, "NY": 11, "FL": 7, "WA": 5, "TX": 4.5, "OR": 4, "MA": 3.8, "CO": 3.5, "NJ": 3,
    "IL": 2.8, "HI": 2.2, "NM": 2, "MD": 2, "PA": 2, "AZ": 1.8, "VA": 1.5, "NC": 1.5, "MN": 1.3,
    "GA": 1.2, "CT": 1.1, "NV": 1, "UT": 0.8, "MI": 0.8, "OH": 0.7, "WI": 0.6, "MO": 0.5, "DC": 0.5,
    "VT": 0.4, "ME": 0.4, "NH": 0.4, "RI": 0.4, "TN": 0.4, "LA": 0.3, "SC": 0.3, "IN": 0.3,
    "KY": 0.2, "IA": 0.2, "KS": 0.2, "MT": 0.25, "ID": 0.2, "AK": 0.2, "DE": 0.15, "NE": 0.15,
    "AR": 0.1, "MS": 0.1, "WV": 0.1, "WY": 0.1, "ND": 0.05,
}
UNLICENSED_STATES = frozenset({"AL", "OK", "SD"})

# (name, latitude, longitude, weight): clinics cluster around these; a ZIP is then drawn
# from the state's standard ZIPs within METRO_RADIUS_KM, nearer ones more often.
METRO_RADIUS_KM = 40.0
METRO_SHARE = 0.85  # the rest are anywhere in the state: small towns have acupuncturists too
METROS: dict[str, tuple[tuple[str, float, float, float], ...]] = {
    "CA": (("San Francisco", 37.7749, -122.4194, 14), ("Oakland", 37.8044, -122.2712, 8),
           ("San Jose", 37.3382, -121.8863, 9), ("Los Angeles", 34.0522, -118.2437, 28),
           ("Irvine", 33.6846, -117.8265, 10), ("San Diego", 32.7157, -117.1611, 10),
           ("Sacramento", 38.5816, -121.4944, 5), ("Santa Barbara", 34.4208, -119.6982, 2),
           ("Fresno", 36.7378, -119.7871, 2), ("Santa Rosa", 38.4405, -122.7144, 2),
           ("Riverside", 33.9806, -117.3755, 4), ("Santa Cruz", 36.9741, -122.0308, 2)),
    "NY": (("Manhattan", 40.7831, -73.9712, 30), ("Brooklyn", 40.6782, -73.9442, 15),
           ("Flushing", 40.7675, -73.8331, 12), ("Hempstead", 40.7062, -73.6187, 8),
           ("White Plains", 41.0340, -73.7629, 5), ("Albany", 42.6526, -73.7562, 3),
           ("Rochester", 43.1566, -77.6088, 3), ("Buffalo", 42.8864, -78.8784, 3),
           ("Ithaca", 42.4440, -76.5019, 1), ("Syracuse", 43.0481, -76.1474, 2)),
    "FL": (("Miami", 25.7617, -80.1918, 10), ("Fort Lauderdale", 26.1224, -80.1373, 6),
           ("West Palm Beach", 26.7153, -80.0534, 5), ("Orlando", 28.5383, -81.3792, 7),
           ("Tampa", 27.9506, -82.4572, 6), ("St. Petersburg", 27.7676, -82.6403, 4),
           ("Sarasota", 27.3364, -82.5307, 3), ("Jacksonville", 30.3322, -81.6557, 4),
           ("Gainesville", 29.6516, -82.3248, 2), ("Tallahassee", 30.4383, -84.2807, 2),
           ("Naples", 26.1420, -81.7948, 2)),
    "WA": (("Seattle", 47.6062, -122.3321, 20), ("Bellevue", 47.6101, -122.2015, 6),
           ("Tacoma", 47.2529, -122.4443, 4), ("Olympia", 47.0379, -122.9007, 2),
           ("Spokane", 47.6588, -117.4260, 3), ("Bellingham", 48.7519, -122.4787, 2),
           ("Vancouver", 45.6387, -122.6615, 2)),
    "TX": (("Austin", 30.2672, -97.7431, 8), ("Houston", 29.7604, -95.3698, 9),
           ("Dallas", 32.7767, -96.7970, 8), ("San Antonio", 29.4241, -98.4936, 4),
           ("Fort Worth", 32.7555, -97.3308, 2), ("El Paso", 31.7619, -106.4850, 1)),
    "OR": (("Portland", 45.5152, -122.6784, 20), ("Eugene", 44.0521, -123.0868, 4),
           ("Salem", 44.9429, -123.0351, 2), ("Bend", 44.0582, -121.3153, 3),
           ("Medford", 42.3265, -122.8756, 2)),
    "MA": (("Boston", 42.3601, -71.0589, 15), ("Cambridge", 42.3736, -71.1097, 5),
           ("Worcester", 42.2626, -71.8023, 2), ("Northampton", 42.3251, -72.6412, 2),
           ("Springfield", 42.1015, -72.5898, 1)),
    "CO": (("Denver", 39.7392, -104.9903, 12), ("Boulder", 40.0150, -105.2705, 6),
           ("Colorado Springs", 38.8339, -104.8214, 3), ("Fort Collins", 40.5853, -105.0844, 3),
           ("Durango", 37.2753, -107.8801, 1)),
    "NJ": (("Jersey City", 40.7178, -74.0431, 5), ("Montclair", 40.8259, -74.2090, 5),
           ("Princeton", 40.3573, -74.6672, 3), ("Cherry Hill", 39.9348, -75.0307, 3),
           ("New Brunswick", 40.4862, -74.4518, 3), ("Fort Lee", 40.8509, -73.9701, 3)),
    "IL": (("Chicago", 41.8781, -87.6298, 20), ("Evanston", 42.0451, -87.6877, 3),
           ("Naperville", 41.7508, -88.1535, 3), ("Champaign", 40.1164, -88.2434, 1)),
    "HI": (("Honolulu", 21.3069, -157.8583, 10), ("Kailua-Kona", 19.6400, -155.9969, 2),
           ("Hilo", 19.7241, -155.0868, 2), ("Kahului", 20.8893, -156.4729, 2),
           ("Lihue", 21.9811, -159.3711, 1)),
    "NM": (("Santa Fe", 35.6870, -105.9378, 6), ("Albuquerque", 35.0844, -106.6504, 8),
           ("Taos", 36.4072, -105.5731, 1), ("Las Cruces", 32.3199, -106.7637, 1)),
    "MD": (("Baltimore", 39.2904, -76.6122, 5), ("Bethesda", 38.9847, -77.0947, 6),
           ("Columbia", 39.2037, -76.8610, 3), ("Annapolis", 38.9784, -76.4922, 1)),
    "PA": (("Philadelphia", 39.9526, -75.1652, 8), ("Pittsburgh", 40.4406, -79.9959, 4),
           ("Harrisburg", 40.2732, -76.8867, 1)),
    "AZ": (("Phoenix", 33.4484, -112.0740, 6), ("Scottsdale", 33.4942, -111.9261, 3),
           ("Tucson", 32.2226, -110.9747, 3), ("Flagstaff", 35.1983, -111.6513, 1)),
    "VA": (("Arlington", 38.8816, -77.0910, 5), ("Richmond", 37.5407, -77.4360, 2),
           ("Charlottesville", 38.0293, -78.4767, 1), ("Virginia Beach", 36.8529, -75.9780, 2)),
    "NC": (("Asheville", 35.5951, -82.5515, 3), ("Durham", 35.9940, -78.8986, 4),
           ("Charlotte", 35.2271, -80.8431, 3), ("Raleigh", 35.7796, -78.6382, 3)),
    "GA": (("Atlanta", 33.7490, -84.3880, 8), ("Savannah", 32.0809, -81.0912, 1)),
    "MN": (("Minneapolis", 44.9778, -93.2650, 8), ("St. Paul", 44.9537, -93.0900, 3),
           ("Duluth", 46.7867, -92.1005, 1)),
    "CT": (("New Haven", 41.3083, -72.9279, 3), ("Hartford", 41.7658, -72.6734, 3),
           ("Stamford", 41.0534, -73.5387, 3)),
    "NV": (("Las Vegas", 36.1699, -115.1398, 6), ("Reno", 39.5296, -119.8138, 3)),
    "UT": (("Salt Lake City", 40.7608, -111.8910, 6), ("Park City", 40.6461, -111.4980, 1)),
    "MI": (("Ann Arbor", 42.2808, -83.7430, 3), ("Detroit", 42.3314, -83.0458, 3),
           ("Grand Rapids", 42.9634, -85.6681, 2)),
    "OH": (("Columbus", 39.9612, -82.9988, 3), ("Cleveland", 41.4993, -81.6944, 3),
           ("Cincinnati", 39.1031, -84.5120, 2)),
    "WI": (("Madison", 43.0731, -89.4012, 3), ("Milwaukee", 43.0389, -87.9065, 3)),
    "MO": (("St. Louis", 38.6270, -90.1994, 3), ("Kansas City", 39.0997, -94.5786, 2)),
    "DC": (("Washington", 38.9072, -77.0369, 1),),
    "VT": (("Burlington", 44.4759, -73.2121, 1),),
    "ME": (("Portland", 43.6591, -70.2568, 1),),
    "NH": (("Portsmouth", 43.0718, -70.7626, 1), ("Manchester", 42.9956, -71.4548, 1)),
    "RI": (("Providence", 41.8240, -71.4128, 1),),
    "TN": (("Nashville", 36.1627, -86.7816, 1),),
    "LA": (("New Orleans", 29.9511, -90.0715, 1),),
}

# Licence title and number format per state ("#" is a digit, filled from a per-state
# sequence as boards issue them). States not listed use DEFAULT_LICENCE.
DEFAULT_LICENCE = ("L.Ac.", "AC-#####")
LICENCES: dict[str, tuple[str, str]] = {
    "CA": ("L.Ac.", "AC#####"), "NY": ("L.Ac.", "0#####"), "FL": ("A.P.", "AP####"),
    "WA": ("EAMP", "AC600#####"), "TX": ("L.Ac.", "AC0####"), "OR": ("L.Ac.", "AC#####"),
    "MA": ("L.Ac.", "AC-####"), "CO": ("L.Ac.", "AC.00#####"), "NJ": ("L.Ac.", "25MZ00####00"),
    "IL": ("L.Ac.", "016.00####"), "HI": ("L.Ac.", "ACU-####"), "NM": ("DOM", "####"),
    "MD": ("L.Ac.", "U#####"), "PA": ("L.Ac.", "AU00####"), "NV": ("OMD", "OM###"),
    "RI": ("D.Ac.", "AC00###"),
}

# Extra letters after the licence title, with weights; DIPLOMATE ones carry an NCCAOM id.
CREDENTIAL_SUFFIXES: tuple[tuple[str, float], ...] = (
    ("", 30), (", Dipl. Ac. (NCCAOM)", 25), (", Dipl. O.M. (NCCAOM)", 15), (", DAOM", 8),
    (", DACM", 7), (", MSOM", 10), (", DAOM, Dipl. O.M. (NCCAOM)", 5),
)

BACK_PAIN_FOCUS = (
    "chronic low back pain", "sciatica", "lumbar disc herniation", "spinal stenosis",
    "post-surgical back pain", "sacroiliac joint pain", "degenerative disc disease",
    "muscle tension and spasm", "pregnancy-related back pain", "neck and upper back pain",
    "failed back surgery syndrome", "arthritis of the spine", "work-related back injuries",
    "sports injuries of the back",
)

# Relative popularity among practitioners who treat back pain.
TECHNIQUE_WEIGHTS: dict[str, float] = {
    "electroacupuncture": 8, "cupping": 8, "moxibustion": 5, "gua-sha": 4, "tui-na": 5,
    "auricular": 4, "trigger-point": 5, "scalp-acupuncture": 2, "japanese-style": 2,
    "herbal-medicine": 6,
}

SCHOOLS = (
    "Pacific College of Health and Science", "Five Branches University",
    "American College of Traditional Chinese Medicine", "Oregon College of Oriental Medicine",
    "Bastyr University", "AOMA Graduate School of Integrative Medicine", "Southwest Acupuncture College",
    "New England School of Acupuncture", "Tri-State College of Acupuncture", "Yo San University",
    "Emperor's College of Traditional Oriental Medicine", "Maryland University of Integrative Health",
    "Northwestern Health Sciences University", "Atlantic Institute of Oriental Medicine",
    "Academy of Chinese Culture and Health Sciences", "Southern California University of Health Sciences",
)

# Bio: one sentence from each group, in order. Fields: {first} {name} {years} {focus}
# {techniques} {therapy} {school} {city}.
BIO_SENTENCES: tuple[tuple[str, ...], ...] = (
    ("{name} has treated chronic back pain for {years} years.",
     "For {years} years {first} has worked with people whose back pain outlasted every other treatment.",
     "{first} has spent {years} years helping patients in {city} get back to work, sleep and sport.",
     "Chronic pain has been the centre of {first}'s practice for {years} years."),
    ("Most patients arrive with {focus}.",
     "A special interest is {focus}.",
     "{first} sees a lot of {focus}, often after physical therapy alone has stalled.",
     "Common reasons for a first visit: {focus}."),
    ("Sessions combine {techniques} with {therapy}, so relief lasts between visits.",
     "Treatment usually pairs {techniques} with {therapy}.",
     "Expect {techniques}, and practical advice on {therapy}.",
     "{first} uses {techniques} and adds {therapy} where it helps."),
    ("Trained at {school}.",
     "A graduate of {school}, with further training in pain management.",
     "Studied at {school} and completed a hospital rotation in integrative pain care.",
     "Holds a master's degree from {school}."),
    ("Happy to coordinate care with your physician or physical therapist.",
     "First visits are 90 minutes and include a full history and a plan you can follow at home.",
     "Works alongside local chiropractors and physical therapists.",
     "Evening appointments are available for people who work days.",
     ""),
)

CLINIC_NAMES = (
    "{last} Acupuncture", "{last} Acupuncture & Herbs", "{city} Acupuncture", "{word} Acupuncture",
    "{city} Acupuncture and Pain Relief", "{word} Wellness Center", "{word} Acupuncture & Integrative Health",
    "{last} Family Acupuncture", "{word} Healing Arts", "{city} Spine & Acupuncture",
    "{city} Community Acupuncture", "Back in Balance Acupuncture",
)
COMMUNITY_CLINIC = "{city} Community Acupuncture"  # low fees, sliding scale
CLINIC_WORDS = (
    "Golden Needle", "Jade Mountain", "Lotus", "Bamboo", "Still Point", "Five Elements", "Harmony",
    "Willow", "Open Gate", "Red Lantern", "Qi Balance", "Blue Heron", "Cedar", "True North",
    "Evergreen", "Sunrise", "Tranquil Waters", "Peony", "Pine & Crane", "Clear Spring",
)
STREETS = (
    "Main", "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Walnut",
    "Church", "Market", "Mission", "Center", "Highland", "Sunset", "Lincoln", "Jefferson", "Franklin",
    "Grand", "Valley", "Spring", "Chestnut", "Broadway", "College", "University", "Harbor",
)
STREET_TYPES = ("St", "Ave", "Blvd", "Rd", "Way", "Dr")

# Insurers that only operate in some regions.
REGIONAL_INSURANCE = {"Kaiser Permanente": frozenset({"CA", "OR", "WA", "CO", "HI", "GA", "MD", "VA", "DC"})}
# Higher fees where rents are higher.
FEE_FACTOR = {"CA": 1.2, "NY": 1.3, "MA": 1.2, "HI": 1.1, "WA": 1.15, "DC": 1.25, "NJ": 1.15, "CT": 1.1}
