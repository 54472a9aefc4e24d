"""The COVID-19 vaccines used in Việt Nam, coded as in the EU DCC value sets, and their full-course rules.

Codes checked against public copies of the EU value sets (``vaccine-medicinal-product.json``,
``vaccine-mah-manf.json``, ``vaccine-prophylaxis.json``) as mirrored in verifier apps' source:
EU/1/21/1529, EU/1/20/1528, EU/1/20/1507, EU/1/20/1525, BBIBP-CorV, Sputnik-V, Covaxin and the
manufacturers ORG-100001699, ORG-100030215, ORG-100031184, ORG-100001417 (Janssen-Cilag International,
not ORG-100001981), ORG-100020693, Gamaleya-Research-Institute, Bharat-Biotech.
Not verified here (UNCERTAIN; correct in the admin if the value set differs): CIGB-66 / CIGB (Abdala),
Hayat-Vax / Julphar. The vaccine type of viral-vector and inactivated vaccines is J07BX03, as issuers use it.

Rules follow the Ministry of Health's guidance of 2021 (minimum gaps; Abdala three doses 14 days apart).
The province edits products and rules in the admin.
"""

from django.db import migrations

MRNA = "1119349007"
OTHER = "J07BX03"

# code, name, manufacturer code, manufacturer name, type, aliases, doses, minimum interval (days)
PRODUCTS = [
    ("EU/1/21/1529", "Vaxzevria (AstraZeneca)", "ORG-100001699", "AstraZeneca AB", OTHER,
     ["astrazeneca", "astra zeneca", "az", "vaxzevria", "covishield"], 2, 28),
    ("EU/1/20/1528", "Comirnaty (Pfizer-BioNTech)", "ORG-100030215", "Biontech Manufacturing GmbH", MRNA,
     ["pfizer", "pfizer-biontech", "pfizer biontech", "comirnaty"], 2, 21),
    ("EU/1/20/1507", "Spikevax (Moderna)", "ORG-100031184", "Moderna Biotech Spain S.L.", MRNA,
     ["moderna", "spikevax"], 2, 28),
    ("BBIBP-CorV", "Vero Cell (Sinopharm BIBP)", "ORG-100020693",
     "China Sinopharm International Corp. - Beijing location", OTHER,
     ["sinopharm", "vero cell", "verocell", "bbibp-corv"], 2, 21),
    ("Sputnik-V", "Sputnik V (Gamaleya)", "Gamaleya-Research-Institute", "Gamaleya Research Institute", OTHER,
     ["sputnik v", "sputnik", "gam-covid-vac"], 2, 21),
    ("CIGB-66", "Abdala (CIGB)", "CIGB", "Center for Genetic Engineering and Biotechnology (CIGB)", OTHER,
     ["abdala"], 3, 14),
    ("EU/1/20/1525", "Jcovden (Janssen)", "ORG-100001417", "Janssen-Cilag International", OTHER,
     ["janssen", "johnson & johnson", "j&j", "jcovden"], 1, 0),
    ("Hayat-Vax", "Hayat-Vax (Julphar)", "Julphar", "Gulf Pharmaceutical Industries (Julphar)", OTHER,
     ["hayat-vax", "hayat vax", "hayatvax"], 2, 21),
    ("Covaxin", "Covaxin (Bharat Biotech)", "Bharat-Biotech", "Bharat Biotech", OTHER,
     ["covaxin", "bbv152"], 2, 28),
]


def seed(apps, schema_editor):
    VaccineProduct = apps.get_model("vaccination", "VaccineProduct")
    FullCourseRule = apps.get_model("vaccination", "FullCourseRule")
    for code, name, ma, ma_name, kind, aliases, doses, interval in PRODUCTS:
        product, _created = VaccineProduct.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "manufacturer_code": ma,
                "manufacturer_name": ma_name,
                "vaccine_type": kind,
                "aliases": aliases,
            },
        )
        FullCourseRule.objects.update_or_create(
            product=product, defaults={"doses": doses, "min_interval_days": interval}
        )


def unseed(apps, schema_editor):
    apps.get_model("vaccination", "VaccineProduct").objects.filter(code__in=[p[0] for p in PRODUCTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("vaccination", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
