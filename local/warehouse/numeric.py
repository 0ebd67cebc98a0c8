"""Numeric rewrites: ``scale_per_row`` and ``exact_sums`` (below).

``scale_per_row``: ROUND(x, scale) and TRUNC(x, scale) where the scale is not a constant.

Snowflake accepts a non-constant scale. ROUND: "If the input scale isn't constant, the returned
type's scale is the same as the input expression's" and "If rounding brings the number outside of
the range of values of the data type, the function returns an error"; TRUNCATE: the output scale
"generally matches the input scale", and the TRUNCATE page's own example passes a column as the
scale. A NUMBER is rounded or truncated exactly (ROUND half away from zero, TRUNC towards zero).

DuckDB refuses a non-constant scale for DECIMAL input ('The "precision" argument in function
"round" must be a constant expression'). The rewrite turns the call into a CASE over the scales a
NUMBER can have (0 to 37; above the scale of a DECIMAL(p, s) input, x unchanged, as "If
scale_expr is larger than the input expression scale, the function does not have any effect");
each branch applies a constant scale and adds ``(x - x)``, so that
every branch has the input's scale (as Snowflake's result does; DuckDB would otherwise give the
CASE the first branch's scale and cut the others) and stays exact DECIMAL arithmetic (DuckDB
widens the precision of the sum, so a value rounded up past the input's precision still fits).
A NULL scale gives NULL.
Negative non-constant scales are not emulated: they raise instead of answering differently.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

REWRITE_NAME = "scale_per_row"
# NUMBER's scale ranges from 0 to 37 (precision 38).
MAX_SCALE = 37


def _is_constant(node: exp.Expr | None) -> bool:
    while isinstance(node, (exp.Cast, exp.Paren, exp.Neg)):
        node = node.this
    return node is None or isinstance(node, exp.Literal)


def _static_scale(value: exp.Expr) -> int:
    """The highest scale that can change ``value``: the scale of a cast to DECIMAL(p, s) (a
    larger scale leaves it as it is), else NUMBER's largest."""
    if isinstance(value, (exp.Cast, exp.TryCast)) and value.to.is_type(exp.DataType.Type.DECIMAL):
        parameters = value.to.expressions
        scale = parameters[1].name if len(parameters) == 2 else ""
        if scale.isdigit():
            return min(int(scale), MAX_SCALE)
    return MAX_SCALE


def _per_row(
    function: type[exp.Round] | type[exp.Trunc], value: exp.Expr, scale: exp.Expr
) -> exp.Expr:
    def branch(digits: int) -> exp.Expr:
        applied = function(this=value.copy(), decimals=exp.Literal.number(digits))
        same_type = exp.Paren(this=exp.Sub(this=value.copy(), expression=value.copy()))
        return exp.Add(this=applied, expression=same_type)

    highest = _static_scale(value)
    unchanged = exp.Between(
        this=scale.copy(),
        low=exp.Literal.number(highest + 1),
        high=exp.Literal.number(MAX_SCALE),
    )
    return exp.Paren(
        this=exp.Case(
            ifs=[exp.If(this=exp.Is(this=scale.copy(), expression=exp.Null()), true=exp.Null())]
            + [
                exp.If(
                    this=exp.EQ(this=scale.copy(), expression=exp.Literal.number(digits)),
                    true=branch(digits),
                )
                for digits in range(highest + 1)
            ]
            + [exp.If(this=unchanged, true=value.copy())],
            default=exp.Anonymous(
                this="error",
                expressions=[
                    exp.Literal.string(
                        f"{REWRITE_NAME}: a non-constant scale outside 0..{MAX_SCALE} "
                        "is not emulated"
                    )
                ],
            ),
        )
    )


def scale_per_row(expression: exp.Expr) -> exp.Expr:
    """Rewrite every ROUND or TRUNC whose scale is an expression (see the module docstring)."""

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, (exp.Round, exp.Trunc)) and not _is_constant(node.args.get("decimals")):
            return _per_row(type(node), node.this, node.args["decimals"])
        return node

    return expression.transform(replace, copy=False)


# -- exact_sums -------------------------------------------------------------------------------
# fakesnow wraps the argument of every numeric aggregate in TRY_CAST(... AS DOUBLE), because
# "Snowflake implicitly casts VARCHAR to numeric when used in aggregate functions" and DuckDB does
# not. For a NUMBER argument that turns Snowflake's exact sum into binary floating point: a day's
# 155.45 of sales comes back as 155.44999999999999. Snowflake sums a NUMBER(p, s) exactly into a
# NUMBER(38, s), as DuckDB sums a DECIMAL(p, s) into a DECIMAL(38, s). The rewrite drops the cast
# fakesnow added to a SUM whose argument DuckDB can sum as it is (the statement binds without it);
# a VARCHAR argument keeps fakesnow's cast.
EXACT_SUMS = "exact_sums"
_IMPLICIT = "local_implicit_numeric_cast"


def mark_sum_arguments(expression: exp.Expr) -> None:
    """Before fakesnow's transforms: flag each SUM argument that is not already a cast, i.e.
    each one fakesnow will wrap (the flag travels with the node through its copies)."""
    for node in expression.find_all(exp.Sum):
        argument = node.this
        if isinstance(argument, exp.Expr) and not isinstance(argument, (exp.Cast, exp.TryCast)):
            argument.meta[_IMPLICIT] = True


def exact_sums(expression: exp.Expr, binds: Callable[[exp.Expr], bool]) -> exp.Expr:
    """After fakesnow's transforms: unwrap the casts it added to SUM arguments, for every SUM
    whose statement still binds in DuckDB without it (tried all at once, then one by one)."""
    added = [
        index
        for index, node in enumerate(expression.find_all(exp.TryCast))
        if isinstance(node.parent, exp.Sum)
        and node.this.meta.get(_IMPLICIT)
        and node.to.is_type(exp.DataType.Type.DOUBLE)
    ]
    if not added:
        return expression

    def unwrapped(indexes: set[int]) -> exp.Expr:
        trial = expression.copy()
        casts = list(trial.find_all(exp.TryCast))
        for index in indexes:
            casts[index].replace(casts[index].this)
        return trial

    every = unwrapped(set(added))
    if binds(every):
        return every
    keep = {index for index in added if binds(unwrapped({index}))}
    return unwrapped(keep) if keep else expression
