"""The EU Digital COVID Certificate codec: HC1 prefix, Base45, zlib, COSE_Sign1/CWT, schema, verification.

Usable without Django: nothing here imports it.
"""
