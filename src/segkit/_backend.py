"""The one seam between segkit's pandas code and other backends (Dask).

Core modules compute on pandas and numpy and never import a backend. A
function or method that can run elsewhere says so with :func:`dispatch`, or,
for an estimator's fit, by declaring a :class:`Reduction` ("fit reduces,
transform maps", docs/dask.md):

* ``@dispatch("map", on="X")`` on a per-customer method (a *map*: the result
  for a row depends on that row only) makes it run partition by partition;
* ``@dispatch("schema_fit", on="X")`` on a ``fit`` that learns nothing from
  the values (it checks rules against column names and dtypes) fits on the
  table's empty frame;
* a ``fit`` that learns from the whole population returns
  ``REDUCTION.fit(self, X)``, with the reduction declared next to it;
* anything else registers under its own name (``"summarize"``).

Deciding the backend never imports it: :func:`backend_of` looks at
``sys.modules`` first. The first call with a Dask input imports the Dask layer
(``segkit.dask``), which registers its implementations here with
:func:`register`. The same lookup lets a core object hand itself to a layer
above it without importing it: ``Profile.report()`` renders through
``segkit.report.render``, looked up here by name. This module is
the only place that names those layers.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any, Generic, ParamSpec, TypeVar

import attrs

from segkit.errors import ParameterError

__all__ = [
    "Call",
    "Reduction",
    "backend_of",
    "dispatch",
    "held",
    "is_dask_collection",
    "local",
    "register",
]

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
E = TypeVar("E")

#: backend or upper layer -> the module whose import registers its implementations
_LAYERS = {"dask": "segkit.dask", "report": "segkit.report"}
_REGISTRY: dict[tuple[str, str], Callable[..., Any]] = {}
#: layers whose public functions serve as implementations by their own name
_BY_NAME = {"report"}


def is_dask_collection(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame or Series, without importing Dask.

    Only a ``dask.dataframe`` the caller has already imported is consulted:
    an object cannot be a Dask DataFrame unless that module is loaded.

    Examples
    --------
    >>> import pandas as pd
    >>> is_dask_collection(pd.DataFrame({"a": [1]}))
    False
    """
    dd = sys.modules.get("dask.dataframe")
    if dd is None:
        return False
    return isinstance(data, dd.DataFrame | dd.Series)


def backend_of(data: Any) -> str | None:
    """The backend that must handle ``data``: ``"dask"``, or None for pandas/numpy."""
    return "dask" if is_dask_collection(data) else None


def local(data: Any, *, by: str | None = None) -> Any:
    """``data`` itself, or a backend's lazy result computed into pandas, in pandas order.

    A pipeline that reads a large log through dispatched functions
    (``summarize``, ``Lifecycle.replay``) gets small per-customer results back
    and continues on pandas with them. A lazy result comes back sorted as the
    pandas function sorts it: by its index (the customer id), or, with ``by``,
    by that column, keeping the order within equal values (the periods of a
    replay panel).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": [2, 1]})
    >>> local(frame) is frame
    True
    """
    backend = backend_of(data)
    if backend is None:
        return data
    return implementation("local", backend)(data, by)


def held(data: Any) -> Any:
    """``data`` itself, or a backend's lazy result computed and kept where it is.

    On Dask the result is persisted on the workers, so that several
    reductions over it (the current lifecycle states, the flows, the report's
    movements) compute it once and nothing is brought to this process.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": [1]})
    >>> held(frame) is frame
    True
    """
    backend = backend_of(data)
    if backend is None:
        return data
    return implementation("held", backend)(data)


def register(name: str, backend: str = "dask") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register ``backend``'s implementation of the operation ``name`` (used by the layer)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        _REGISTRY[(name, backend)] = func
        return func

    return decorate


def implementation(name: str, backend: str) -> Callable[..., Any]:
    """The registered implementation, importing the backend's layer on first use."""
    key = (name, backend)
    if key not in _REGISTRY:
        layer = importlib.import_module(_LAYERS[backend])
        if backend in _BY_NAME and callable(getattr(layer, name, None)):
            _REGISTRY[key] = getattr(layer, name)  # the layer's public function of that name
    if key not in _REGISTRY:
        raise ParameterError(f"{name} does not run on {backend} input")
    return _REGISTRY[key]


@attrs.frozen
class Call:
    """One call of a dispatched function: what a backend's implementation receives.

    Attributes
    ----------
    func : callable
        The public (dispatching) function; called with a pandas frame in
        place of ``data`` it runs the pandas code.
    args, kwargs
        The arguments as given.
    on : str
        The name of the argument holding the data.
    position : int
        Its position in the signature.
    """

    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    on: str
    position: int

    @property
    def data(self) -> Any:
        """The argument the call dispatched on."""
        return self.args[self.position] if len(self.args) > self.position else self.kwargs[self.on]

    @property
    def owner(self) -> Any:
        """``self`` of a method call (the first argument)."""
        return self.args[0]

    def arguments(self) -> dict[str, Any]:
        """Every argument by name, defaults included (``self`` and the data too)."""
        bound = inspect.signature(self.func).bind(*self.args, **self.kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)

    def detached(self) -> Call:
        """The same call without its data (small to send to workers)."""
        if len(self.args) > self.position:
            args = (*self.args[: self.position], None, *self.args[self.position + 1 :])
            return attrs.evolve(self, args=args)
        return attrs.evolve(self, kwargs={**self.kwargs, self.on: None})

    def run(self, data: Any) -> Any:
        """The call with ``data`` in place of the original data (e.g. one partition)."""
        if len(self.args) > self.position:
            args = (*self.args[: self.position], data, *self.args[self.position + 1 :])
            return self.func(*args, **self.kwargs)
        return self.func(*self.args, **{**self.kwargs, self.on: data})


def dispatch(name: str, *, on: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Send a call whose argument ``on`` is not pandas to the backend's ``name``.

    The implementation receives one :class:`Call`. Calling ``call.run(part)``
    with a pandas frame runs the pandas code, so a backend maps it over
    partitions without knowing the function.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        position = list(inspect.signature(func).parameters).index(on)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            data = args[position] if len(args) > position else kwargs.get(on)
            backend = backend_of(data)
            if backend is None:
                return func(*args, **kwargs)
            call = Call(wrapper, args, kwargs, on, position)
            result: R = implementation(name, backend)(call)
            return result

        return wrapper

    return decorate


@attrs.frozen
class Reduction(Generic[E, S]):
    """How an estimator's ``fit`` reduces a table to what it learns.

    ``fit`` is ``finish(combine([part(piece) for piece in pieces]))``; on
    pandas the whole table is the one piece, on Dask each partition is one.
    ``combine`` must give the same summary for any split of the rows, which is
    what makes the backends agree bit for bit.

    Attributes
    ----------
    start : callable ``(estimator, frame) -> plan``
        Checks the parameters and the columns' names and dtypes; on Dask it
        gets the empty frame, so errors come before any work.
    part : callable ``(estimator, plan, frame) -> summary``, or None
        Summarises one piece (a pandas frame, possibly empty). None: the fit
        needs no values (only the plan).
    combine : callable ``(estimator, plan, summaries) -> summary``
    finish : callable ``(estimator, plan, summary, columns) -> estimator``
        Sets the learned attributes from the combined summary.
    """

    start: Callable[[E, Any], Any]
    part: Callable[[E, Any, Any], S] | None
    combine: Callable[[E, Any, Sequence[S]], S]
    finish: Callable[[E, Any, S | None, Any], E]

    def fit(self, estimator: E, X: Any) -> E:
        """Fit ``estimator`` on ``X`` (pandas, or any registered backend)."""
        backend = backend_of(X)
        if backend is not None:
            fitted: E = implementation("reduce", backend)(self, estimator, X)
            return fitted
        plan = self.start(estimator, X)
        summary = None
        if self.part is not None:
            summary = self.combine(estimator, plan, [self.part(estimator, plan, X)])
        return self.finish(estimator, plan, summary, getattr(X, "columns", None))
