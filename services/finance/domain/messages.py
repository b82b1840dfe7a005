"""Why an indicator is not (fully) met, or what to check: stable codes with English text and
parameters (the texts are part of the contract: ``REASON_MESSAGES``; the web client translates
them through its catalogue), and the same texts in French for the report."""
from __future__ import annotations

from maillage_shared.contracts.finance import REASON_MESSAGES

MESSAGES = REASON_MESSAGES


def message(code: str, **params) -> dict:
    """A reason as the API sends it: code, English text, parameters."""
    template = MESSAGES[code]
    return {"code": code, "message": template % params if params else template.replace("%%", "%"),
            "params": {k: (v if isinstance(v, int | str | float) else str(v)) for k, v in params.items()}}


# The same messages in French, for the report (PDF, CSV) and the web client (whose catalogue
# gets these as the translations of the English texts: gateway/translations, checked by a test).
FRENCH = {
    "not_declared": "Pas encore déclaré.",
    "declare_patientele": "Déclarez la patientèle médecin traitant des médecins associés.",
    "declare_professionals": "Déclarez le nombre de professionnels associés ou salariés.",
    "declare_ald_75": "Déclarez le nombre de patients de 75 ans ou plus ou en ALD, pour connaître l’objectif de 5 %.",
    "declare_size_tier": "Déclarez la taille de la CPTS (1 à 4).",
    "opening_span_short": "Ouverture de %(hours)s h en semaine : au moins %(minimum)s h sont exigées.",
    "opening_span_reduced": "Ouverture de %(hours)s h en semaine (moins de %(full)s h) : la CPAM peut réduire les "
                            "points.",
    "opening_conditions": "L’ouverture le samedi matin et les soins non programmés chaque jour ouvré sont exigés.",
    "coordination_missing": "Une fonction de coordination (un coordinateur, avec une fiche de poste) est exigée.",
    "coordination_no_time": "Aucun temps de coordination n’est enregistré sur la plateforme cette année.",
    "si_label_missing": "Un système d’information labellisé e-santé (niveau standard) est exigé.",
    "too_few_meetings": "%(held)s réunions de concertation tenues : au moins %(required)s sont exigées.",
    "cases_below_target": "%(cases)s situations discutées pour un objectif de %(target)s (5 %% de %(patients)s "
                          "patients) : les points sont proratisés.",
    "cases_below_target_all_or_nothing": "%(cases)s situations discutées pour un objectif de %(target)s : non "
                                         "atteint.",
    "no_protocol": "Aucun protocole validé avec un thème ACI.",
    "protocols_over_max": "%(count)s protocoles : au plus %(max)s sont rémunérés.",
    "protocol_without_theme": "%(count)s protocoles validés n’ont pas de thème ACI et ne comptent pas.",
    "protocol_off_list": "%(count)s protocoles sont hors de la liste de l’annexe 3 : l’accord du service médical "
                         "de la CPAM est nécessaire.",
    "missions_over_max": "%(count)s missions réalisées : au plus %(max)s sont rémunérées.",
    "no_mission": "Aucune mission de santé publique réalisée cette année.",
    "trainees_below_min": "%(count)s stages : au moins %(minimum)s sont exigés.",
    "crisis_plan_missing": "Un plan de préparation aux crises sanitaires est exigé.",
    "level_zero": "Niveau 0 : rien n’est versé.",
    "value_missing": "Le référentiel n’a pas de valeur pour %(path)s : un administrateur de l’instance doit la "
                     "saisir.",
    "unverified_value": "Certaines valeurs sont de niveau C (reconstructions) : vérifiez-les dans le texte officiel.",
    "mission_not_started": "La mission n’a pas commencé.",
    "crisis_not_recognised": "La part variable n’est versée que si l’ARS reconnaît une crise.",
    "actions_over_variable": "Les actions atteintes dépassent la part variable : elle est plafonnée.",
    "ceiling_applied": "Le total est plafonné au maximum de la taille (%(ceiling)s).",
    "prerequisites_not_met": "Prérequis non atteints : rien ne sera versé pour cette année.",
    "prerequisites_not_met_guarantee": "Prérequis non atteints : seul le minimum garanti aux structures nouvelles "
                                       "sera versé.",
    "prerequisite_missing": "%(label)s : %(reason)s",
    "contract_not_started": "Le contrat commence après cette année : rien n’est dû.",
    "prorated_contract": "Contrat signé le %(date)s : les montants sont proratisés (%(percent)s %% de l’année).",
    "guarantee_applied": "Structure nouvelle : le minimum de %(minimum)s s’applique (année %(nth)s sur %(years)s).",
    "schedule_unknown": "L’échéancier de ce dispositif n’est pas dans le référentiel.",
    "anniversary_unknown": "Déclarez la date de signature du contrat pour connaître les échéances.",
    "fixed_amounts_scaled": "Les montants fixes dépassent ce qui reste après la réserve : ils sont réduits en "
                            "proportion.",
    "no_measure": "Aucune clé n’a encore de quoi répartir (ni réunion, ni temps de coordination, ni associé) : le "
                  "montant reste non réparti pour l’instant.",
    "pass_cap_kept": "Les montants au-delà du plafond PASS restent à la structure.",
}


def in_french(reason: dict) -> str:
    """A reason's text in French (the report is for the CPAM and the SISA partners)."""
    template = FRENCH.get(reason.get("code", ""))
    if template is None:
        return reason.get("message", "")
    params = dict(reason.get("params") or {})
    if reason.get("code") == "prerequisite_missing" and reason.get("cause"):
        params["reason"] = in_french(reason["cause"])
    try:
        return template % params if params else template.replace("%%", "%")
    except (KeyError, TypeError, ValueError):
        return reason.get("message", "")
