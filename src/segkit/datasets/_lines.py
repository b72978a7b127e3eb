"""Order lines in the shape shops export them: products, prices, cancellations, guests.

:func:`make_transactions` simulates *orders* (when, who, how much); this
module turns them into *lines* the way a real export has them (the "Online
Retail" shape): each line is one product with a quantity and a unit price,
``amount == quantity * price``; two lines of one order often have the same
total (different products at the same price); some orders are cancelled by a
later invoice with negative quantities; some lines have no customer id
(guest checkouts).

Where a line's product comes from is one function, :func:`choose_products`:
the hook for planting preferences (favourite categories today; category
affinities and complementary pairs can be added there without touching the
rest).
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

__all__ = ["Catalogue", "add_complements", "choose_products", "order_lines"]

_DAY_NS = 86_400 * 10**9
_Ints = np.ndarray[Any, np.dtype[np.int64]]
_Floats = np.ndarray[Any, np.dtype[np.float64]]


@attrs.frozen
class Catalogue:
    """The products on sale: a category and a list price each.

    Attributes
    ----------
    category : ndarray of int
        Category code (position in ``categories``) of each product.
    price : ndarray of float
        List price of each product, in currency units (2 decimals).
    categories : tuple of str
    """

    category: _Ints = attrs.field(eq=False)
    price: _Floats = attrs.field(eq=False)
    categories: tuple[str, ...]

    @classmethod
    def simulate(
        cls, rng: np.random.Generator, n_products: int, categories: tuple[str, ...]
    ) -> Catalogue:
        """Products spread over the categories, log-normal prices around 12."""
        category = rng.integers(0, len(categories), size=n_products)
        category[: len(categories)] = np.arange(min(len(categories), n_products))
        price = np.round(np.exp(rng.normal(2.5, 0.8, size=n_products)), 2)
        return cls(category.astype(np.int64), np.maximum(price, 0.05), categories)

    def in_category(self, code: int) -> _Ints:
        """Product codes of one category."""
        return np.flatnonzero(self.category == code).astype(np.int64)


def choose_products(
    rng: np.random.Generator,
    catalogue: Catalogue,
    line_owner: _Ints,
    favourite: _Ints,
    *,
    loyalty: float = 0.6,
) -> _Ints:
    """The product of each line (the hook for planted preferences).

    A line is, with probability ``loyalty``, a product of its customer's
    favourite category, otherwise any product.

    Parameters
    ----------
    rng : numpy.random.Generator
    catalogue : Catalogue
    line_owner : ndarray of int
        Customer position (0..n-1) of each line.
    favourite : ndarray of int
        Favourite category code of each customer.
    loyalty : float
        Share of lines from the favourite category.

    Returns
    -------
    ndarray of int
        Product code (position in the catalogue) of each line.
    """
    n_lines = line_owner.size
    product = rng.integers(0, catalogue.price.size, size=n_lines)
    loyal = rng.random(n_lines) < loyalty
    wanted = favourite[line_owner]
    for code in range(len(catalogue.categories)):
        members = catalogue.in_category(code)
        rows = np.flatnonzero(loyal & (wanted == code))
        if members.size and rows.size:
            product[rows] = members[rng.integers(0, members.size, size=rows.size)]
    return product.astype(np.int64)


def add_complements(
    rng: np.random.Generator, n_products: int, line_order: _Ints, product: _Ints, rate: float
) -> tuple[_Ints, _Ints, _Ints]:
    """Pair the products at random; each line brings its partner along with probability ``rate``.

    Returns
    -------
    partner : ndarray of int
        The complementary product of each product (itself for the odd one out).
    source : ndarray of int
        For every line after planting, the line it comes from (extra lines
        follow their source line, so orders stay contiguous).
    product : ndarray of int
        The product of every line after planting.
    """
    order = rng.permutation(n_products)
    half = n_products // 2
    partner = np.arange(n_products, dtype=np.int64)
    partner[order[:half]] = order[half : 2 * half]
    partner[order[half : 2 * half]] = order[:half]
    extra = (rng.random(line_order.size) < rate) & (partner[product] != product)
    source = np.repeat(np.arange(line_order.size, dtype=np.int64), 1 + extra)
    added = np.zeros(source.size, dtype=bool)
    added[np.cumsum(1 + extra)[extra] - 1] = True
    return partner, source, np.where(added, partner[product[source]], product[source])


def order_lines(
    rng: np.random.Generator,
    *,
    t0: pd.Timestamp,
    order_ns: _Ints,
    order_owner: _Ints,
    order_online: np.ndarray[Any, np.dtype[np.bool_]],
    line_order: _Ints,
    line_value: _Floats,
    favourite: _Ints,
    categories: tuple[str, ...],
    n_products: int,
    equal_totals: float,
    return_rate: float,
    cancel_rate: float,
    guest_rate: float,
    complements: float = 0.0,
) -> pd.DataFrame:
    """Build the export-shaped lines of simulated orders (see the module docstring)."""
    catalogue = Catalogue.simulate(rng, n_products, categories)
    line_owner = order_owner[line_order]
    product = choose_products(rng, catalogue, line_owner, favourite)
    partner = None
    if complements > 0:
        # A child generator: without complements the lines stay exactly as before.
        partner, source, product = add_complements(
            rng.spawn(1)[0], n_products, line_order, product, complements
        )
        line_order, line_owner, line_value = (
            line_order[source],
            line_owner[source],
            line_value[source],
        )
    price = catalogue.price[product]
    quantity = np.maximum(np.rint(line_value / price), 1).astype(np.int64)
    # Equal line totals: a line repeats the previous line's price and quantity
    # (another product at the same price) inside the same order.
    same_order = np.zeros(line_order.size, dtype=bool)
    same_order[1:] = line_order[1:] == line_order[:-1]
    copy = same_order & (rng.random(line_order.size) < equal_totals)
    # A chain of copies takes the values of the line before the chain.
    source = np.maximum.accumulate(np.where(copy, 0, np.arange(line_order.size)))
    price = price[source]
    quantity = quantity[source]
    clash = copy & (product == product[source])
    product[clash] = (product[clash] + 1) % n_products
    # Two lines of one order with the same product, price and quantity would be one
    # line written twice, which clean_transactions drops as a duplicate: the later
    # ones are another product at the same price, as the copies are.
    for _ in range(n_products - 1):
        twice = pd.DataFrame(
            {"order": line_order, "product": product, "price": price, "quantity": quantity}
        ).duplicated()
        if not twice.any():
            break
        moved = twice.to_numpy()
        product[moved] = (product[moved] + 1) % n_products
    n_orders = order_ns.size
    line_ns = order_ns[line_order]

    # Returns: a later line in the same order with a negative quantity.
    ret = np.flatnonzero(rng.random(line_order.size) < return_rate)
    ret_ns = line_ns[ret] + (rng.uniform(2, 30, size=ret.size) * _DAY_NS).astype(np.int64)
    # Cancellations: a later invoice of its own reversing every line of an order.
    cancelled = np.flatnonzero(rng.random(n_orders) < cancel_rate)
    cancel_lines = np.flatnonzero(np.isin(line_order, cancelled))
    cancel_ns = line_ns[cancel_lines] + (
        rng.uniform(0.01, 3, size=n_orders)[line_order[cancel_lines]] * _DAY_NS
    ).astype(np.int64)

    rows = np.concatenate((np.arange(line_order.size), ret, cancel_lines))
    kind = np.repeat([0, 1, 2], [line_order.size, ret.size, cancel_lines.size])
    sign = np.where(kind == 0, 1, -1)
    stamps = np.concatenate((line_ns, ret_ns, cancel_ns))
    qty = np.concatenate((quantity, np.ones(ret.size, dtype=np.int64), quantity[cancel_lines]))
    qty = qty * sign
    unit = price[rows]
    owner = line_owner[rows]
    order_of_row = line_order[rows]

    # Invoice numbers in time order: orders first, each cancellation its own.
    order_rank = np.empty(n_orders, dtype=np.int64)
    order_rank[np.argsort(order_ns, kind="stable")] = np.arange(1, n_orders + 1)
    invoice = order_rank[order_of_row]
    if cancelled.size:
        cancel_rank = np.empty(n_orders, dtype=np.int64)
        cancel_rank[cancelled] = n_orders + 1 + np.arange(cancelled.size)
        invoice = np.where(kind == 2, cancel_rank[order_of_row], invoice)
    sort = np.argsort(stamps, kind="stable")
    customer: Any = (owner + 1).astype(np.int64)
    if guest_rate > 0:
        guest_order = rng.random(n_orders) < guest_rate
        customer = np.where(guest_order[order_of_row], np.nan, customer.astype(np.float64))
    if cancel_rate > 0:
        order_id: Any = np.where(kind == 2, "C", "").astype(object) + invoice.astype(str)
    else:
        order_id = invoice
    lines = pd.DataFrame(
        {
            "customer_id": customer[sort],
            "order_id": order_id[sort],
            "timestamp": pd.to_datetime(t0.value + stamps[sort], unit="ns"),
            "amount": np.round(qty * unit, 2)[sort],
            "quantity": qty[sort],
            "category": pd.Categorical.from_codes(
                catalogue.category[product[rows]][sort], categories=pd.Index(categories)
            ),
            "channel": pd.Categorical.from_codes(
                np.where(order_online[order_of_row], 0, 1)[sort],
                categories=pd.Index(["online", "offline"]),
            ),
            "product_id": (product[rows] + 1)[sort].astype(np.int64),
            "price": unit[sort],
        }
    )
    if partner is not None:
        ids = pd.RangeIndex(1, n_products + 1, name="product_id")
        lines.attrs["planted"] = {
            "complement": pd.Series(partner + 1, index=ids, name="complement"),
            "favourite_category": pd.Series(
                pd.Categorical.from_codes(favourite, categories=pd.Index(categories)),
                index=pd.RangeIndex(1, favourite.size + 1, name="customer_id"),
                name="favourite_category",
            ),
        }
    return lines
