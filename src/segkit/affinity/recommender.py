"""Item-to-item co-purchase recommendations on order lines."""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import (
    check_choice,
    check_fitted,
    check_int,
    numeric_column,
    require_columns,
    require_frame,
)
from segkit.affinity._topk import because_items, codes, ranking, top_k
from segkit.errors import ParameterError, SchemaError

__all__ = ["CoPurchaseRecommender"]

_SIMILARITIES = ("lift", "cosine", "jaccard")
_BASKETS = ("order", "customer")
#: Customers scored at once in :meth:`CoPurchaseRecommender.recommend`.
_CHUNK = 65_536
_Array = np.ndarray[Any, Any]
#: Subtracted from the scores of bought items (similarities are far smaller).
_SINK = 1e300


class CoPurchaseRecommender:
    """Recommend what is bought together with what a customer already bought.

    ``fit`` counts, over baskets (orders, or all of a customer's purchases),
    how often each pair of items is bought together: a sparse item x item
    co-occurrence matrix built with :mod:`scipy.sparse`. Each pair bought
    together in at least ``min_support`` baskets gets a similarity; each item
    keeps its ``neighbours`` most similar items. A customer's score for an
    item is the sum of its similarities to the items the customer bought
    (item-based top-N recommendation, Deshpande & Karypis 2004).

    Parameters
    ----------
    similarity : {"lift", "cosine", "jaccard"}
        With ``N`` baskets, ``n_i`` baskets holding item ``i`` and ``n_ij``
        holding both ``i`` and ``j``: lift ``N n_ij / (n_i n_j)`` (Brin et al.
        1997), cosine ``n_ij / sqrt(n_i n_j)``, Jaccard
        ``n_ij / (n_i + n_j - n_ij)``.
    basket : {"order", "customer"}
        What "bought together" means: in the same order (needs ``order`` in
        ``fit``) or by the same customer.
    min_support : int or float
        Least number of baskets holding a pair (an int >= 1), or least share
        of all baskets (a float in (0, 1)), for the pair to count.
    neighbours : int
        Most similar items kept per item.

    Attributes
    ----------
    items_ : pandas.Index
        The items seen in ``fit``, sorted.
    customers_ : pandas.Index
        The customers seen in ``fit``, sorted.
    n_baskets_ : int
    item_support_ : ndarray of int
        Baskets holding each item.
    cooccurrence_ : scipy.sparse.csr_matrix
        ``n_ij`` for the pairs with at least ``min_support`` baskets.
    similarity_ : scipy.sparse.csr_matrix
        Item x item similarity, ``neighbours`` entries per row at most.
    history_ : scipy.sparse.csr_matrix
        Customer x item, 1 where the customer bought the item.
    popularity_ : pandas.DataFrame
        Items ranked by the number of customers who bought them, per segment
        (columns ``segment``, ``rank``, ``item``, ``customers``, ``share``);
        the segment is ``None`` for the whole population.
    segments_ : pandas.Series
        The segment of each fitted customer (empty without ``segments``).

    References
    ----------
    Deshpande, M. & Karypis, G. (2004). Item-based top-N recommendation
    algorithms. *ACM TOIS* 22(1), 143-177.
    Brin, S., Motwani, R., Ullman, J. D. & Tsur, S. (1997). Dynamic itemset
    counting and implication rules for market basket data. *SIGMOD*, 255-264.

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.affinity import CoPurchaseRecommender
    >>> lines = pd.DataFrame({
    ...     "customer_id": [1, 1, 2, 2, 3, 3, 4],
    ...     "order_id":    [1, 1, 2, 2, 3, 3, 4],
    ...     "product":     ["tent", "stove", "tent", "stove", "tent", "mat", "tent"],
    ... })
    >>> rec = CoPurchaseRecommender(min_support=1).fit(
    ...     lines, customer="customer_id", order="order_id", item="product")
    >>> rec.recommend([4], k=2)[["customer_id", "rank", "product", "because", "source"]]
       customer_id  rank product because       source
    0            4     1     mat    tent  co-purchase
    1            4     2   stove    tent  co-purchase
    """

    def __init__(
        self,
        *,
        similarity: str = "lift",
        basket: str = "order",
        min_support: float = 2,
        neighbours: int = 20,
    ) -> None:
        self.similarity = similarity
        self.basket = basket
        self.min_support = min_support
        self.neighbours = neighbours

    # ---------------------------------------------------- estimator protocol
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters (scikit-learn's estimator protocol)."""
        return {
            "basket": self.basket,
            "min_support": self.min_support,
            "neighbours": self.neighbours,
            "similarity": self.similarity,
        }

    def set_params(self, **params: Any) -> CoPurchaseRecommender:
        """Set constructor parameters; unknown names are an error."""
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ParameterError(
                    f"{name!r} is not a parameter of {type(self).__name__}; "
                    f"valid ones: {sorted(valid)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = CoPurchaseRecommender().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # ------------------------------------------------------------------ fit
    def _check_params(self) -> None:
        owner = type(self).__name__
        check_choice("similarity", self.similarity, _SIMILARITIES, owner)
        check_choice("basket", self.basket, _BASKETS, owner)
        check_int("neighbours", self.neighbours, owner, 1)
        s: Any = self.min_support
        ok = isinstance(s, Real) and not isinstance(s, bool)
        ok = ok and ((float(s).is_integer() and s >= 1) or 0 < s < 1)
        if not ok:
            raise ParameterError(
                f"the 'min_support' parameter of {owner} must be a whole number of baskets "
                f">= 1 or a share of baskets in (0, 1); got {s!r}"
            )

    def fit(
        self,
        lines: Any,
        *,
        customer: str,
        item: str = "product",
        order: str | None = None,
        amount: str | None = None,
        segments: pd.Series | None = None,
    ) -> CoPurchaseRecommender:
        """Count co-purchases and rank neighbours.

        Parameters
        ----------
        lines : pandas.DataFrame
            Order lines.
        customer, item : str
            Columns of ``lines``.
        order : str, optional
            Order id column; required with ``basket="order"``.
        amount : str, optional
            Amount column; lines with a negative amount (returns) are left out.
        segments : pandas.Series, optional
            Segment of each customer (indexed by customer id), for the
            per-segment popularity fallback.

        Returns
        -------
        self
        """
        from scipy import sparse

        self._check_params()
        if self.basket == "order" and order is None:
            raise ParameterError(
                "basket='order' needs the order id column: fit(..., order='order_id'), "
                "or use CoPurchaseRecommender(basket='customer')"
            )
        df = require_frame(lines, "lines")
        names = [customer, item] + [c for c in (order, amount) if c is not None]
        require_columns(df, names, "lines")
        if len(set(names)) < len(names):
            raise ParameterError(f"customer, item, order and amount must differ; got {names}")
        if len(df) == 0:
            raise SchemaError("the lines are empty")
        keep = np.ones(len(df), dtype=bool)
        if amount is not None:
            keep = numeric_column(df, amount, "lines") >= 0
        cust, self.customers_ = codes(df[customer], customer, "lines")
        item_codes, self.items_ = codes(df[item], item, "lines")
        n_items, n_cust = self.items_.size, self.customers_.size
        if order is not None and self.basket == "order":
            basket, basket_labels = codes(df[order], order, "lines")
            n_baskets = basket_labels.size
        else:
            basket, n_baskets = cust, n_cust
        ones = np.ones(int(keep.sum()), dtype=np.float64)
        history = sparse.csr_matrix(
            (ones, (cust[keep], item_codes[keep])), shape=(n_cust, n_items)
        )
        history.sum_duplicates()
        history.data[:] = 1.0
        if self.basket == "customer":
            baskets = history
        else:
            baskets = sparse.csr_matrix(
                (ones, (basket[keep], item_codes[keep])), shape=(n_baskets, n_items)
            )
            baskets.sum_duplicates()
            baskets.data[:] = 1.0
            nonempty = np.diff(baskets.indptr) > 0
            n_baskets = int(nonempty.sum())
        co = (baskets.T @ baskets).tocsr()
        support = np.asarray(co.diagonal()).astype(np.int64)
        co.setdiag(0)
        threshold = (
            float(self.min_support)
            if float(self.min_support) >= 1
            else float(self.min_support) * n_baskets
        )
        co.data[co.data < threshold] = 0
        co.eliminate_zeros()
        co.sort_indices()
        self.n_baskets_ = n_baskets
        self.item_support_ = support
        self.cooccurrence_ = co
        sim = co.copy()
        rows = np.repeat(np.arange(n_items), np.diff(co.indptr))
        n = support.astype(np.float64)
        sim.data = self._similarity(n[rows], n[co.indices], co.data.astype(np.float64), n_baskets)
        rows, cols, vals = top_k(sim.indptr, sim.indices, sim.data, self.neighbours)
        self.similarity_ = sparse.csr_matrix((vals, (rows, cols)), shape=(n_items, n_items))
        self.similarity_.sort_indices()
        self.history_ = history
        self.columns_ = {"customer": customer, "item": item}
        if amount is not None:
            self.columns_["amount"] = amount
        self._fit_popularity(history, segments)
        return self

    def _similarity(self, n_i: _Array, n_j: _Array, n_ij: _Array, n_baskets: float) -> _Array:
        if self.similarity == "lift":
            return np.asarray(n_ij * n_baskets / (n_i * n_j))
        if self.similarity == "cosine":
            return np.asarray(n_ij / np.sqrt(n_i * n_j))
        return np.asarray(n_ij / (n_i + n_j - n_ij))

    def _fit_popularity(self, history: Any, segments: pd.Series | None) -> None:
        if segments is None:
            self.segments_ = pd.Series([], dtype=object)
            seg = np.zeros(self.customers_.size, dtype=np.int64) - 1
            seg_labels: pd.Index = pd.Index([], dtype=object)
        else:
            if not isinstance(segments, pd.Series):
                raise SchemaError(
                    f"segments must be a pandas Series indexed by customer id; got "
                    f"{type(segments).__name__}"
                )
            if not segments.index.is_unique:
                raise SchemaError("segments has duplicated customer ids in its index")
            known = segments[segments.notna()]
            self.segments_ = known
            seg_codes, seg_labels = codes(known, "segments", "segments")
            where = pd.Index(known.index).get_indexer(self.customers_)
            seg = np.where(where >= 0, seg_codes[np.maximum(where, 0)], -1)
        bought = history.tocoo()
        frames = [ranking(None, bought.col, self.items_, self.customers_.size)]
        for s, label in enumerate(seg_labels):
            in_seg = seg[bought.row] == s
            frames.append(ranking(label, bought.col[in_seg], self.items_, int((seg == s).sum())))
        popularity = pd.concat(frames, ignore_index=True)
        # A segment's ranking continues with the population's for the items
        # nobody in the segment bought, so a fallback list never runs short
        # while the catalogue has items left.
        overall = frames[0]["code"].to_numpy()
        self.ranking_codes_ = {None: overall}
        for label, frame in zip(seg_labels, frames[1:], strict=True):
            own = frame["code"].to_numpy()
            self.ranking_codes_[label] = np.concatenate([own, overall[~np.isin(overall, own)]])
        self.popularity_ = popularity.drop(columns="code")

    # ------------------------------------------------------------ recommend
    def recommend(
        self,
        customers: Iterable[Any] | None = None,
        k: int = 10,
        exclude_purchased: bool = True,
        *,
        segments: pd.Series | None = None,
    ) -> pd.DataFrame:
        """Top-``k`` items per customer, with the purchase that led to each.

        Parameters
        ----------
        customers : iterable, optional
            Customer ids (default: every customer seen in ``fit``). Customers
            unknown to the model get the popularity fallback.
        k : int
            Items per customer (>= 1).
        exclude_purchased : bool
            Leave out items the customer bought (in the ``fit`` lines).
        segments : pandas.Series, optional
            Segments of customers unknown at ``fit`` (or new segments), for
            the fallback; otherwise the segment given to ``fit`` is used, and
            the whole population's popularity for customers without one.

        Returns
        -------
        pandas.DataFrame
            Tidy, customers in the order asked, ``rank`` 1 to ``k``:
            the customer column, ``rank``, the item column, ``score`` (summed
            similarity; for fallback rows, the share of the segment's
            customers who bought the item; a segment's ranking continues
            with the population's, at score 0, for items nobody in the
            segment bought), ``because`` (the purchased item
            with the largest similarity to the recommendation; ties: the
            first in sorted order; missing for fallback rows) and ``source``
            (``"co-purchase"`` or ``"popular"``). When a customer has fewer
            than ``k`` co-purchase candidates, popular items fill the rest;
            a customer gets fewer than ``k`` rows only when the catalogue
            runs out.

        Raises
        ------
        ParameterError
            ``k`` is not an integer >= 1.
        """
        check_fitted(self, "similarity_")
        k = check_int("k", k, f"{type(self).__name__}.recommend", 1)
        ids, rows = self._rows(customers)
        known = np.flatnonzero(rows >= 0)
        parts = [self._co_purchase(rows[known], known, k, exclude_purchased)]
        got = np.bincount(parts[0][0], minlength=ids.size)
        parts.append(self._fill(ids, rows, got, k, exclude_purchased, parts[0], segments))
        return self._frame(ids, parts)

    def recommend_popular(
        self,
        customers: Iterable[Any] | None = None,
        k: int = 10,
        exclude_purchased: bool = True,
        *,
        segments: pd.Series | None = None,
    ) -> pd.DataFrame:
        """The popularity baseline: the segment's most bought items, per customer.

        Same arguments and frame as :meth:`recommend`, every row ``"popular"``.
        """
        check_fitted(self, "similarity_")
        k = check_int("k", k, f"{type(self).__name__}.recommend_popular", 1)
        ids, rows = self._rows(customers)
        none = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
        got = np.zeros(ids.size, dtype=np.int64)
        part = self._fill(ids, rows, got, k, exclude_purchased, none, segments)
        return self._frame(ids, [none, part])

    def _rows(self, customers: Iterable[Any] | None) -> tuple[pd.Index, _Array]:
        if customers is None:
            ids = self.customers_
        else:
            values = list(customers) if not isinstance(customers, pd.Index) else customers
            ids = pd.Index(values)
            if ids.hasnans:
                raise SchemaError("customers has missing ids; drop them first")
            if not ids.is_unique:
                raise SchemaError(
                    "customers has duplicated ids; pass each once, e.g. pd.unique(ids)"
                )
        return ids, np.asarray(self.customers_.get_indexer(ids), dtype=np.int64)

    def _co_purchase(
        self, rows: _Array, positions: _Array, k: int, exclude: bool
    ) -> tuple[_Array, _Array, _Array, _Array]:
        """(position, item, score, because) of the co-purchase recommendations."""
        out: list[tuple[_Array, ...]] = []
        from scipy import sparse

        sim = self.similarity_
        scorer = sim
        if exclude:
            # A bought item's own diagonal entry sinks its score far below zero;
            # such items are cut after the selection. One product, no masking pass.
            scorer = (sim - sparse.identity(sim.shape[0], format="csr") * _SINK).tocsr()
        for start in range(0, rows.size, _CHUNK):
            chunk = rows[start : start + _CHUNK]
            hist = self.history_[chunk]
            scores = (hist @ scorer).tocsr()
            r, item, score = top_k(scores.indptr, scores.indices, scores.data, k)
            ok = score > 0
            r, item, score = r[ok], item[ok], score[ok]
            because = because_items(hist, r, item, sim)
            out.append((positions[start + r], item, score, because))
        return _stacked(out)

    def _fill(
        self,
        ids: pd.Index,
        rows: _Array,
        got: _Array,
        k: int,
        exclude: bool,
        taken: tuple[_Array, _Array, _Array, _Array],
        segments: pd.Series | None,
    ) -> tuple[_Array, _Array, _Array, _Array]:
        """Popular items of each customer's segment for the slots left empty."""
        need = k - got
        n_items = self.items_.size
        segment_of = self._segment_labels(ids, rows, segments)
        mine = need[taken[0]] > 0
        taken_keys = taken[0][mine] * n_items + taken[1][mine]
        out: list[tuple[_Array, ...]] = []
        for label in pd.unique(segment_of):
            ranking = self.ranking_codes_.get(label, self.ranking_codes_[None])
            who = (
                np.flatnonzero((segment_of == label) & (need > 0))
                if label is not None
                else (np.flatnonzero(_is_none(segment_of) & (need > 0)))
            )
            if who.size == 0:
                continue
            bought = np.zeros(who.size, dtype=np.int64)
            hist = None
            if exclude:
                rows_known = rows[who]
                hist = self.history_[np.maximum(rows_known, 0)]
                bought = np.where(rows_known >= 0, np.diff(hist.indptr), 0)
            depth = np.minimum(need[who] + got[who] + bought, ranking.size)
            pos = np.repeat(who, depth)
            rank = np.arange(int(depth.sum())) - np.repeat(np.cumsum(depth) - depth, depth)
            item = ranking[rank]
            drop = np.isin(pos * n_items + item, taken_keys)
            if hist is not None:
                h = hist.tocoo()
                owned = np.flatnonzero(rows[who] >= 0)
                mask = np.isin(h.row, owned)
                drop |= np.isin(pos * n_items + item, who[h.row[mask]] * n_items + h.col[mask])
            pos, item = pos[~drop], item[~drop]
            first = np.searchsorted(pos, pos, side="left")
            ok = (np.arange(pos.size) - first) < need[pos]
            pos, item = pos[ok], item[ok]
            share = self._share(label, item)
            out.append((pos, item, share, np.full(pos.size, -1, dtype=np.int64)))
        return _stacked(out)

    def _segment_labels(
        self, ids: pd.Index, rows: _Array, segments: pd.Series | None
    ) -> np.ndarray[Any, Any]:
        label = np.full(ids.size, None, dtype=object)
        if len(self.segments_):
            fitted = self.segments_.reindex(ids)
            label = np.where(fitted.notna().to_numpy(), fitted.to_numpy(dtype=object), label)
        if segments is not None:
            extra = segments.reindex(ids)
            label = np.where(extra.notna().to_numpy(), extra.to_numpy(dtype=object), label)
        # Segments not seen at fit have no ranking: the population's.
        seen = set(self.ranking_codes_)
        return np.asarray([v if v in seen else None for v in label], dtype=object)

    def _share(self, label: Any, item: _Array) -> _Array:
        pop = self.popularity_
        sel = pop[pop["segment"].isna()] if label is None else pop[pop["segment"] == label]
        by_item = np.zeros(self.items_.size)
        by_item[self.items_.get_indexer(pd.Index(sel["item"]))] = sel["share"].to_numpy()
        return by_item[item]

    def _frame(
        self, ids: pd.Index, parts: list[tuple[_Array, _Array, _Array, _Array]]
    ) -> pd.DataFrame:
        pos, item, score, because = (np.concatenate(c) for c in zip(*parts, strict=True))
        source = np.concatenate(
            [np.zeros(parts[0][0].size, np.int8), np.ones(parts[1][0].size, np.int8)]
        )
        order = np.lexsort((np.arange(pos.size), pos))  # co-purchase rows first per customer
        pos, item, score, because, source = (a[order] for a in (pos, item, score, because, source))
        rank = np.arange(pos.size) - np.searchsorted(pos, pos, side="left") + 1
        items = self.items_
        because_labels = pd.Series(items.take(np.maximum(because, 0)))
        if pd.api.types.is_integer_dtype(because_labels.dtype):
            because_labels = because_labels.astype("Int64")  # missing without turning float
        because_labels = because_labels.where(because >= 0)
        return pd.DataFrame(
            {
                self.columns_["customer"]: ids.take(pos),
                "rank": rank.astype(np.int64),
                self.columns_["item"]: items.take(item),
                "score": score.astype(np.float64),
                "because": because_labels.array,
                "source": pd.Categorical.from_codes(source, pd.Index(["co-purchase", "popular"])),
            }
        )

    # -------------------------------------------------------------- explore
    def similar_items(self, item: Any, k: int = 10) -> pd.DataFrame:
        """The ``k`` items most similar to ``item``, with support, confidence and lift.

        Returns
        -------
        pandas.DataFrame
            ``rank``, the item column (the similar item), ``score`` (the
            chosen similarity), ``baskets`` (``n_ij``), ``support``
            (``n_ij / N``), ``confidence`` (``n_ij / n_i``: of the baskets
            with ``item``, the share that also hold the other) and ``lift``.

        Raises
        ------
        SchemaError
            ``item`` was not seen in ``fit``.
        """
        check_fitted(self, "similarity_")
        k = check_int("k", k, f"{type(self).__name__}.similar_items", 1)
        where = self.items_.get_indexer(pd.Index([item]))[0]
        if where < 0:
            from segkit.errors import did_you_mean

            seen = [str(v) for v in self.items_[:10_000]]
            raise SchemaError(f"item {item!r} was not seen in fit{did_you_mean(str(item), seen)}")
        rules = self.association_rules(items=[item])
        rules = rules.sort_values(
            ["score", "consequent"], ascending=[False, True], kind="stable"
        ).head(k)
        rules = rules.drop(columns="antecedent").rename(
            columns={"consequent": self.columns_["item"]}
        )
        rules.insert(0, "rank", np.arange(1, len(rules) + 1))
        return rules.reset_index(drop=True)

    def association_rules(self, items: Iterable[Any] | None = None) -> pd.DataFrame:
        """Every pair with at least ``min_support`` baskets as a rule ``antecedent -> consequent``.

        Columns ``antecedent``, ``consequent``, ``baskets``, ``support``,
        ``confidence``, ``lift`` and ``score`` (the chosen similarity), for
        antecedents in ``items`` (default: all), sorted by antecedent and
        consequent.
        """
        check_fitted(self, "similarity_")
        co = self.cooccurrence_
        n_items = self.items_.size
        rows = np.repeat(np.arange(n_items), np.diff(co.indptr))
        cols = co.indices.astype(np.int64)
        n_ij = co.data.astype(np.float64)
        if items is not None:
            wanted = self.items_.get_indexer(pd.Index(list(items)))
            keep = np.isin(rows, wanted[wanted >= 0])
            rows, cols, n_ij = rows[keep], cols[keep], n_ij[keep]
        support = self.item_support_.astype(np.float64)
        n = float(self.n_baskets_)
        order = np.lexsort((cols, rows))
        rows, cols, n_ij = rows[order], cols[order], n_ij[order]
        return pd.DataFrame(
            {
                "antecedent": self.items_.take(rows),
                "consequent": self.items_.take(cols),
                "baskets": n_ij.astype(np.int64),
                "support": n_ij / n,
                "confidence": n_ij / support[rows],
                "lift": n_ij * n / (support[rows] * support[cols]),
                "score": self._similarity(support[rows], support[cols], n_ij, n),
            }
        )


def _is_none(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray([v is None for v in values], dtype=bool)


def _stacked(parts: list[tuple[_Array, ...]]) -> tuple[_Array, _Array, _Array, _Array]:
    """(position, item, score, because) of the parts, one after the other."""
    if not parts:
        return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
    position, item, score, because = (np.concatenate(col) for col in zip(*parts, strict=True))
    return position, item, score, because
