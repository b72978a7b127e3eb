"""Customer lifetime value: buy-till-you-die purchase models, spend model, CLV.

Purchase models (fit on ``x``, ``t_x``, ``T`` from :func:`segkit.summarize`):

* :class:`BetaGeo` — BG/NBD (Fader, Hardie & Lee 2005)
* :class:`ParetoNBD` — Pareto/NBD (Schmittlein, Morrison & Colombo 1987)
* :class:`ParetoNBDDynamic` — Pareto/NBD with time-varying covariates
  (Bachmann, Meierer & Näf 2021)
* :class:`ModifiedBetaGeo` — MBG/NBD (Batislam, Denizel & Filiztekin 2007)
* :class:`BetaGeoBetaBinom` — BG/BB for discrete opportunities (Fader, Hardie & Shang 2010)
* :class:`ModifiedBetaGeoCNBD`, :class:`BetaGeoCNBD` — MBG/CNBD-k and BG/CNBD-k for
  regular buyers (Reutterer, Platzer & Schröder 2021)

Contractual setting (subscriptions): :class:`ShiftedBetaGeo` — sBG (Fader & Hardie 2007).

Spend model: :class:`GammaGamma` (Fader & Hardie 2013). Value:
:func:`lifetime_value`. Plots live in :mod:`segkit.clv.plotting` (needs the
``plot`` extra).
"""

from __future__ import annotations

from segkit.clv._beta_geo import BetaGeo, ModifiedBetaGeo
from segkit.clv._bgbb import BetaGeoBetaBinom
from segkit.clv._cnbd import BetaGeoCNBD, ModifiedBetaGeoCNBD, log_intertransaction_times
from segkit.clv._forecast import expected_transactions_over_time
from segkit.clv._gamma_gamma import GammaGamma
from segkit.clv._likelihoods import (
    bgbb_log_likelihood,
    bgnbd_log_likelihood,
    gamma_gamma_log_likelihood,
    mbgnbd_log_likelihood,
)
from segkit.clv._mle import BoundaryWarning
from segkit.clv._pareto import ParetoNBD
from segkit.clv._pareto_dynamic import ParetoNBDDynamic
from segkit.clv._pareto_likelihood import pareto_nbd_log_likelihood
from segkit.clv._sbg import ShiftedBetaGeo, tenures_from_survivors
from segkit.clv._value import lifetime_value

__all__ = [
    "BetaGeo",
    "BetaGeoBetaBinom",
    "BetaGeoCNBD",
    "BoundaryWarning",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ModifiedBetaGeoCNBD",
    "ParetoNBD",
    "ParetoNBDDynamic",
    "ShiftedBetaGeo",
    "bgbb_log_likelihood",
    "bgnbd_log_likelihood",
    "expected_transactions_over_time",
    "gamma_gamma_log_likelihood",
    "lifetime_value",
    "log_intertransaction_times",
    "mbgnbd_log_likelihood",
    "pareto_nbd_log_likelihood",
    "tenures_from_survivors",
]
