"""``pos``: the one command of the retail POS pipeline (``pos --help``).

The root app (``pos/app.py``) registers one small module per command group, each a thin layer of
options and help over the code in ``local/``, ``producer/`` and ``lambdas/``. Modules import their
heavy dependencies inside the commands, so ``pos --help`` answers at once.
"""
