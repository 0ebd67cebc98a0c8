"""``scale_per_row``: ROUND(x, scale) and TRUNC(x, scale) where the scale is not a constant.

Snowflake accepts a non-constant scale. ROUND: "If the input scale isn't constant, the returned
type's scale is the same as the input expression's" and "If rounding brings the number outside of
the range of values of the data type, the function returns an error"; TRUNCATE: the output scale
"generally matches the input scale", and the TRUNCATE page's own example passes a column as the
scale. A NUMBER is rounded or truncated exactly (ROUND half away from zero, TRUNC towards zero).

DuckDB refuses a non-constant scale for DECIMAL input ('The "precision" argument in function
"round" must be a constant expression'). The rewrite turns the call into a CASE over the scales a
NUMBER can have (0 to 37); each branch applies a constant scale and adds ``(x - x)``, so that
every branch has the input's scale (as Snowflake's result does; DuckDB would otherwise give the
CASE the first branch's scale and cut the others) and stays exact DECIMAL arithmetic (DuckDB
widens the precision of the sum, so a value rounded up past the input's precision still fits).
A NULL scale gives NULL.
Negative non-constant scales are not emulated: they raise instead of answering differently.
"""

from __future__ import annotations

from sqlglot import exp

REWRITE_NAME = "scale_per_row"
# NUMBER's scale ranges from 0 to 37 (precision 38).
MAX_SCALE = 37


def _is_constant(node: exp.Expr | None) -> bool:
    while isinstance(node, (exp.Cast, exp.Paren, exp.Neg)):
        node = node.this
    return node is None or isinstance(node, exp.Literal)


def _per_row(
    function: type[exp.Round] | type[exp.Trunc], value: exp.Expr, scale: exp.Expr
) -> exp.Expr:
    def branch(digits: int) -> exp.Expr:
        applied = function(this=value.copy(), decimals=exp.Literal.number(digits))
        same_type = exp.Paren(this=exp.Sub(this=value.copy(), expression=value.copy()))
        return exp.Add(this=applied, expression=same_type)

    return exp.Paren(
        this=exp.Case(
            ifs=[exp.If(this=exp.Is(this=scale.copy(), expression=exp.Null()), true=exp.Null())]
            + [
                exp.If(
                    this=exp.EQ(this=scale.copy(), expression=exp.Literal.number(digits)),
                    true=branch(digits),
                )
                for digits in range(MAX_SCALE + 1)
            ],
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
