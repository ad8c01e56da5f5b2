"""What the demo's agents write: why a dossier opened, what paused it, the notes of the steps
they did and the actions they added by hand."""

REASONS = (
    "Factures échues impayées",
    "Retards de paiement répétés",
    "Dépassement de l'encours autorisé",
    "Chèque revenu impayé",
    "Relances préventives restées sans réponse",
)
PROMISES = (
    "Promesse de règlement par virement",
    "Échéancier accepté : 3 mensualités",
    "Règlement annoncé à réception du paiement de son client",
    "Promesse de chèque, remise en banque prévue",
)
DISPUTES = (
    "Litige : marchandise non conforme",
    "Litige : livraison incomplète",
    "Litige : erreur de prix sur la facture",
    "Litige : prestation contestée",
    "Litige : avoir attendu pour retour de marchandise",
)
NOTES = {
    "phone": (
        "Messagerie : message laissé à la comptabilité",
        "Client joint : règlement annoncé sous huitaine",
        "Comptable absente, rappeler jeudi",
        "Le gérant dit avoir envoyé le virement, à vérifier",
        "Client joint : attend la validation de son directeur financier",
    ),
    "letter": ("Courrier envoyé par La Poste", "Relance envoyée avec le relevé de compte"),
    "email": ("E-mail envoyé à la comptabilité", "E-mail envoyé, accusé de lecture reçu"),
    "registered_letter": ("LRAR n° 1A 178 462 9031 5", "LRAR n° 1A 203 558 1174 2"),
    "legal": ("Requête en injonction de payer déposée au greffe du tribunal de commerce",),
    "other": ("Accusé de réception signé", "Avis de passage, courrier non réclamé"),
    "visit": ("Visite sur place avec le commercial",),
}
MANUAL = (
    ("email", "Envoi du relevé de compte demandé par la comptable"),
    ("phone", "Appel du commercial : le client conteste une livraison"),
    ("visit", "Visite sur place avec le commercial du secteur"),
    ("letter", "Envoi des duplicatas de factures"),
)
