"""The EU DCC value sets the test and recovery entries use, and the ones business rules read.

Source: the eHealth Network value sets of the EU DCC (``ehn-dcc-development/ehn-dcc-valuesets``):
``disease-agent-targeted``, ``test-type``, ``test-result`` and an excerpt of
``test-manufacturer-and-name`` (version 2021-05-27; device ids of the JRC COVID-19 In Vitro Diagnostic
Devices database, https://covid-19-diagnostics.jrc.ec.europa.eu/devices): the rapid antigen tests in use
in Viet Nam in 2021. The full list is longer; a device outside this excerpt is refused when issuing.
"""

from __future__ import annotations

DISEASE_COVID_19 = "840539006"  # SNOMED CT: COVID-19

TEST_NAAT = "LP6464-4"  # LOINC: nucleic acid amplification with probe detection (RT-PCR)
TEST_RAT = "LP217198-3"  # LOINC: rapid immunoassay (rapid antigen test)
TEST_TYPES = {TEST_NAAT: "Nucleic acid amplification with probe detection", TEST_RAT: "Rapid immunoassay"}

NOT_DETECTED = "260415000"  # SNOMED CT
DETECTED = "260373001"
TEST_RESULTS = {NOT_DETECTED: "Not detected", DETECTED: "Detected"}

RAT_DEVICES = {
    "344": "SD BIOSENSOR Inc, STANDARD F COVID-19 Ag FIA",
    "345": "SD BIOSENSOR Inc, STANDARD Q COVID-19 Ag Test",
    "1114": "Sugentech, Inc, SGTi-flex COVID-19 Ag",
    "1232": "Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test",
    "1244": "GenBody, Inc, Genbody COVID-19 Ag Test",
    "1263": "Humasis, Humasis COVID-19 Ag Test",
    "1268": "LumiraDX, LumiraDx SARS-CoV-2 Ag Test",
    "1468": "ACON Laboratories, Inc, Flowflex SARS-CoV-2 Antigen rapid test",
    "1604": "Roche (SD BIOSENSOR), SARS-CoV-2 Antigen Rapid Test",
}
