"""技术交易: 挂牌 with 公示, 竞价, contract drafts and the 技术合同成交额 (issue #26).

- ``models.py``: the tables (offers, bids, objections);
- ``views.py``: what the API takes and hands out; ``rules.py``: statuses and the bid rules;
- ``service.py``: listing, objections and their decisions, going to the desk;
- ``bidding.py``: bids (one offer row lock per bid, so two bids never both win a step) and the
  close of auctions (on read, and by the app's background sweep);
- ``drafts.py`` / ``draft_text.py``: the Word contract drafts; ``registration.py``: the Excel
  of 技术合同认定登记 records; ``transactions.py``: the year's 技术合同成交额 against the target;
- ``api.py``: the JSON routes and the unit's typed dependencies (registered in ``units.py``);
- ``closing.py``: the background sweep the app's lifespan runs; ``eligibility.py``: who may bid.
"""
