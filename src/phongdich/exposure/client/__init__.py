"""Exposure Notification reference client (pure Python, no Django).

The phone's side of the Apple/Google Exposure Notification protocol: key and identifier derivation
(:mod:`.crypto`), the signed export files phones download (:mod:`.export`), the verification server's
key HMAC (:mod:`.verification`), matching downloaded keys against observed identifiers
(:mod:`.matching`), risk scoring (:mod:`.risk`), downloading a server's files (:mod:`.download`) and a
simulated phone (:mod:`.phone`). The Django app `phongdich.exposure` serves keys with it; nothing here
imports Django.
"""
