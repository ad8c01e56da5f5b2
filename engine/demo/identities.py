"""Who the demo's customers are: French companies and consumers with their names, addresses,
SIRENs, phones, e-mails and contacts, and the unique customer codes an accounting package
would have given them."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple

SURNAMES = (
    "Lefèvre", "Bénard", "Girard", "Mercier", "Fontaine", "Chevalier", "Rousseau", "Gauthier",
    "Lemaître", "Boucher", "Faure", "André", "Dumas", "Hébert", "Noël", "Perrin", "Barbier",
    "Brunet", "Roux", "Garnier", "Moreau", "Dupré", "Ménard", "Séguin", "Thébault", "Prévost",
    "Hervé", "Delépine", "Crémieux", "Lacroix", "Mathé", "Béranger", "Chrétien", "Géraud",
    "Pélissier", "Sénéchal", "Martin", "Bernard", "Dubois", "Durand", "Leroy", "Simon",
    "Laurent", "Michel", "Petit", "Richard", "Fournier", "Lambert", "Bonnet", "François",
    "Legrand", "Gérard", "Rolland", "Benali", "Haddad", "Nguyen", "Da Silva", "Ferreira",
    "Maréchal", "Lévêque", "Guérin", "Joubert", "Régnier", "Cordier", "Texier", "Lemoine",
    "Gaillard", "Poirier", "Besnard", "Collet", "Lebœuf", "Côté", "Bézier", "Ledoux",
)  # fmt: skip
FIRST_M = (
    "Jean", "Pierre", "Michel", "Philippe", "Nicolas", "Stéphane", "Frédéric", "Julien",
    "Sébastien", "Jérôme", "Thierry", "François", "Benoît", "Grégoire", "Loïc", "Hervé",
    "Rémi", "Cédric", "Mathéo", "Yanis", "Karim", "Théo",
)  # fmt: skip
FIRST_F = (
    "Marie", "Sophie", "Isabelle", "Nathalie", "Céline", "Hélène", "Émilie", "Sandrine",
    "Valérie", "Aurélie", "Chloé", "Léa", "Élodie", "Mélanie", "Anaïs", "Noémie", "Inès",
    "Agnès", "Bénédicte", "Laëtitia", "Gaëlle", "Zoé",
)  # fmt: skip
ACTIVITIES = (
    "Boulangerie", "Pâtisserie", "Menuiserie", "Ébénisterie", "Charpente", "Maçonnerie",
    "Plomberie", "Électricité", "Serrurerie", "Transports", "Garage", "Carrosserie",
    "Imprimerie", "Librairie", "Quincaillerie", "Brasserie", "Hôtel-Restaurant", "Traiteur",
    "Fromagerie", "Épicerie fine", "Cave", "Pharmacie", "Laboratoire", "Paysagiste",
    "Boucherie", "Charcuterie", "Optique", "Fleuriste", "Chauffage", "Couverture", "Peinture",
    "Vitrerie", "Scierie", "Métallerie", "Crêperie", "Bâtiment", "Négoce", "Tôlerie",
)  # fmt: skip
PREFIXES = ("Bâti", "Éco", "Méca", "Élec", "Agro", "Thermo", "Hydro", "Logi", "Géo", "Télé")
SUFFIXES = ("Services", "Concept", "Solutions", "Industrie", "Distribution", "Énergie", "Conseil")
REGIONS = (
    "Provence", "Bretagne", "Rhône", "Côte d'Azur", "Île-de-France", "Franche-Comté",
    "Hauts-de-France", "Périgord", "Loire", "Lorraine", "Sud-Ouest", "Cévennes", "Vendée",
)  # fmt: skip
FORMS = ("SARL", "SARL", "SARL", "SAS", "SAS", "SAS", "EURL", "EURL", "SA", "SASU", "SNC")
CITIES = (
    ("Paris", "75011", "1"), ("Lyon", "69003", "4"), ("Marseille", "13008", "4"),
    ("Toulouse", "31000", "5"), ("Nice", "06000", "4"), ("Nantes", "44000", "2"),
    ("Strasbourg", "67000", "3"), ("Montpellier", "34000", "4"), ("Bordeaux", "33000", "5"),
    ("Lille", "59000", "3"), ("Rennes", "35000", "2"), ("Reims", "51100", "3"),
    ("Saint-Étienne", "42000", "4"), ("Le Havre", "76600", "2"), ("Grenoble", "38000", "4"),
    ("Dijon", "21000", "3"), ("Angers", "49000", "2"), ("Nîmes", "30000", "4"),
    ("Clermont-Ferrand", "63000", "4"), ("Le Mans", "72000", "2"),
    ("Aix-en-Provence", "13100", "4"), ("Brest", "29200", "2"), ("Tours", "37000", "2"),
    ("Amiens", "80000", "3"), ("Limoges", "87000", "5"), ("Annecy", "74000", "4"),
    ("Perpignan", "66000", "4"), ("Besançon", "25000", "3"), ("Orléans", "45000", "2"),
    ("Rouen", "76000", "2"), ("Caen", "14000", "2"), ("Nancy", "54000", "3"),
    ("Béziers", "34500", "4"), ("Périgueux", "24000", "5"), ("Angoulême", "16000", "5"),
    ("Châteauroux", "36000", "2"), ("Évreux", "27000", "2"), ("Sète", "34200", "4"),
    ("Valence", "26000", "4"), ("Chambéry", "73000", "4"), ("Créteil", "94000", "1"),
    ("Boulogne-Billancourt", "92100", "1"), ("Montreuil", "93100", "1"),
    ("Versailles", "78000", "1"), ("Mâcon", "71000", "3"), ("Saint-Brieuc", "22000", "2"),
)  # fmt: skip
STREETS = (
    "rue de la République", "avenue Jean-Jaurès", "boulevard Gambetta", "rue Victor-Hugo",
    "place de l'Église", "chemin des Prés", "rue du Général-de-Gaulle", "allée des Tilleuls",
    "impasse des Lilas", "quai de la Loire", "rue Émile-Zola", "rue de l'Hôtel-de-Ville",
    "ZA des Érables", "route de Châteaubriant", "rue des Frères-Lumière", "avenue de la Gare",
    "rue Pasteur", "boulevard de la Libération", "rue des Écoles", "parc d'activités du Bréhat",
)  # fmt: skip
ROLES = (  # (for a man, for a woman)
    ("Comptable", "Comptable"),
    ("Responsable comptabilité", "Responsable comptabilité"),
    ("Gérant", "Gérante"),
    ("Directeur administratif et financier", "Directrice administrative et financière"),
    ("Assistant de direction", "Assistante de direction"),
    ("Responsable des achats", "Responsable des achats"),
    ("Trésorier", "Trésorière"),
)
MAIL_DOMAINS = ("orange.fr", "free.fr", "gmail.com", "laposte.net", "wanadoo.fr", "sfr.fr")


def _ascii(text_: str) -> str:
    text_ = text_.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text_) if not unicodedata.combining(c))


def _slug(text_: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in _ascii(text_).lower())
    return "-".join(part for part in cleaned.split("-") if part)


def _local(first: str, last: str) -> str:
    """The part of an e-mail address before the @: prenom.nom."""
    return f"{_slug(first)}.{_slug(last)}".replace("-", "")


def _siren(rng: random.Random) -> str:
    """Nine digits passing the Luhn check, as real SIRENs do."""
    digits = [rng.randint(3, 9)] + [rng.randrange(10) for _ in range(7)]
    total = 0
    for index, digit in enumerate(digits):
        value = digit * 2 if index % 2 == 1 else digit
        total += value - 9 if value > 9 else value
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _phone(rng: random.Random, prefix: str) -> str:
    return f"0{prefix} " + " ".join(f"{rng.randrange(100):02d}" for _ in range(4))


class Person(NamedTuple):
    """A company's contact, with the columns of the contact table."""

    name: str
    role: str
    email: str
    phone: str


@dataclass(frozen=True)
class Identity:
    code: str
    name: str
    short: str  # what bank statements show
    address: str
    siren: str
    email: str
    phone: str
    consumer: bool
    terms: int
    excluded: bool
    contacts: tuple[Person, ...]

    def columns(self) -> dict[str, Any]:
        """The customer table's columns this identity fills, the same in both flavours."""
        return {
            "code": self.code,
            "name": self.name,
            "address": self.address,
            "siren": self.siren,
            "email": self.email,
            "phone": self.phone,
            "payment_terms_days": self.terms,
            "consumer": self.consumer,
            "excluded_from_reminders": self.excluded,
        }


class Names:
    """Customer identities; codes stay unique (Sage's CT_Num style: CLEFEVRE, CLEFEVRE2…)."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def code(self, key: str) -> str:
        letters = "".join(c for c in _ascii(key).upper() if c.isalpha())[:9]
        base = "C" + (letters or "CLIENT")
        count = self.used.get(base, 0) + 1
        self.used[base] = count
        return base if count == 1 else f"{base}{count}"

    def identity(self, rng: random.Random, consumer: bool) -> Identity:
        city, postcode, area = rng.choice(CITIES)
        street = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        address = f"{street}\n{postcode} {city}"
        surname = rng.choice(SURNAMES)
        if consumer:
            female = rng.random() < 0.5
            first = rng.choice(FIRST_F if female else FIRST_M)
            name = f"{'Mme' if female else 'M.'} {first} {surname}"
            mail = f"{_local(first, surname)}@{rng.choice(MAIL_DOMAINS)}"
            return Identity(
                self.code(surname + first[0]),
                name,
                _ascii(surname).upper(),
                address,
                "",
                mail,
                _phone(rng, rng.choice("67")),
                True,
                30,
                rng.random() < 0.1,
                (),
            )
        form = rng.choice(FORMS)
        pattern = rng.randrange(5)
        if pattern == 0:
            activity = rng.choice(ACTIVITIES)
            base, key, site = f"{activity} {surname}", surname, f"{activity}-{surname}"
        elif pattern == 1:
            base, key, site = f"Établissements {surname}", surname, f"ets-{surname}"
        elif pattern == 2:
            base, key, site = f"{surname} & Fils", surname, f"{surname}-et-fils"
        elif pattern == 3:
            other = rng.choice(SURNAMES)
            base, key, site = f"{surname}-{other}", surname + other, f"{surname}-{other}"
        else:
            word = rng.choice(PREFIXES) + rng.choice(SUFFIXES).lower()
            region = rng.choice(REGIONS)
            base, key, site = f"{word} {region}", word, f"{word}-{region}"
        domain = _slug(site) + ".fr"
        contacts: list[Person] = []
        for _index in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
            female = rng.random() < 0.55
            first = rng.choice(FIRST_F if female else FIRST_M)
            last = rng.choice(SURNAMES)
            contacts.append(
                Person(
                    f"{'Mme' if female else 'M.'} {first} {last}",
                    rng.choice(ROLES)[female],
                    f"{_local(first, last)}@{domain}",
                    _phone(rng, area),
                )
            )
        return Identity(
            self.code(key),
            f"{base} {form}",
            _ascii(key).upper()[:20],
            address,
            _siren(rng),
            f"{rng.choice(('compta', 'contact', 'facturation', 'comptabilite'))}@{domain}",
            _phone(rng, area),
            False,
            rng.choice((30, 30, 30, 30, 30, 45, 45, 60)),
            rng.random() < 0.06,
            tuple(contacts),
        )
