"""Op-table records for elementwise math (unary.py, elementwise2.py) and activations."""
from op_records import A, I, OpRecord, S, Sample

_INF = float("inf")
_NAN = float("nan")
_SPECIAL = A([[0.0, -0.0, 1.5, -2.5], [_INF, -_INF, _NAN, 3.0]])


def _unary(name, low=-2.0, high=2.0, gradgrad=True, rtol=1e-5, atol=1e-6, grad=True):
    """Standard samples for a float unary op: 2-D, 0-d, 3-D, an integer input."""
    return OpRecord(name, [(S((2, 3), low, high),), (S((), low, high),),
                           (S((2, 3, 4), low, high),)],
                    gradgrad=gradgrad, rtol=rtol, atol=atol, grad=grad)


def _inplace(name):
    """Call ``x.<name>_(...)`` on a non-leaf copy so gradients still flow to ``x``."""
    return lambda lib, x, *a, **k: getattr(x * 1, name + "_")(*a, **k)


def _fn_inplace(name):
    return lambda lib, x, *a, **k: getattr(lib, name)(x * 1, *a, **k)


RECORDS = [
    # ---------------------------------------------------------------- exp / log family
    _unary("exp2"), _unary("expm1"),
    _unary("log2", 0.1, 3), _unary("log10", 0.1, 3), _unary("log1p", -0.9, 3),
    _unary("rsqrt", 0.2, 3, rtol=1e-4),
    OpRecord("square", [(S((2, 3)),), (S(()),), (I((4,), -3, 3),)]),
    OpRecord("sigmoid", [(S((2, 3), -6, 6),), (S(()),), (S((4, 5), -6, 6),),
                         (A([-100.0, -30.0, 0.0, 30.0, 100.0]),)]),
    OpRecord("logit", [(S((2, 3), 0.05, 0.95),), Sample((S((2, 3), 0.0, 1.0),), {"eps": 0.2})],
             rtol=1e-4),
    OpRecord("xlogy", [(S((2, 3)), S((2, 3), 0.1, 2)), (S((2, 3)), S((3,), 0.1, 2)),
                       (A([0.0, 0.0, 1.0]), A([0.0, _NAN, 2.0])), (2.0, S((3,), 0.1, 2)),
                       (S((3,)), 3.0), (I((4,), 0, 3), I((4,), 1, 4))]),
    OpRecord("logaddexp", [(S((2, 3)), S((2, 3))), (S((2, 3), -50, 50), S((3,), -50, 50)),
                           (S(()), S((2,)))]),
    OpRecord("logaddexp2", [(S((2, 3)), S((2, 3))), (S((4, 1)), S((3,)))]),
    # ---------------------------------------------------------------- trigonometry
    _unary("sin"), _unary("cos"), _unary("tan", -1.2, 1.2, rtol=1e-4),
    _unary("asin", -0.9, 0.9), _unary("arcsin", -0.9, 0.9),
    _unary("acos", -0.9, 0.9), _unary("arccos", -0.9, 0.9),
    _unary("atan"), _unary("arctan"),
    OpRecord("atan2", [(S((2, 3)), S((2, 3))), (S((2, 3)), S((3,)))]),
    OpRecord("arctan2", [(S((2, 3)), S((2, 3)))]),
    _unary("sinh"), _unary("cosh"), _unary("tanh", -3, 3),
    _unary("asinh"), _unary("arcsinh"), _unary("acosh", 1.1, 3), _unary("arccosh", 1.1, 3),
    _unary("atanh", -0.9, 0.9), _unary("arctanh", -0.9, 0.9),
    _unary("deg2rad", -200, 200), _unary("rad2deg"),
    OpRecord("sinc", [(S((2, 3)),), (A([0.0, 1.0, -0.5, 2.0]),), (S((3, 4), -3, 3),)],
             rtol=1e-4, atol=1e-5),
    OpRecord("hypot", [(S((2, 3)), S((2, 3))), (S((2, 1)), S((3,)))]),
    # ---------------------------------------------------------------- erf family
    _unary("erf", -3, 3), _unary("erfc", -3, 3), _unary("erfinv", -0.95, 0.95, rtol=1e-4),
    # ---------------------------------------------------------------- rounding
    OpRecord("floor", [(S((2, 3), -5, 5),), (I((4,), -3, 3),)], gradgrad=False),
    OpRecord("ceil", [(S((2, 3), -5, 5),), (I((4,), -3, 3),)], gradgrad=False),
    OpRecord("round", [(S((2, 3), -5, 5),), (A([0.5, 1.5, 2.5, -0.5, -1.5]),),
                       Sample((S((2, 3), -50, 50),), {"decimals": 1}),
                       Sample((S((2, 3), -500, 500),), {"decimals": -2}), (I((4,), -3, 3),)],
             gradgrad=False),
    OpRecord("frac", [(S((2, 3), -5, 5),), (S(()),)], gradgrad=False),
    # ---------------------------------------------------------------- clamp / max / min
    OpRecord("clamp", [(S((2, 3)), -0.5, 0.5), Sample((S((2, 3)),), {"min": 0.0}),
                       Sample((S((2, 3)),), {"max": 0.3}),
                       (S((3, 4)), S((4,), -1, 0), S((3, 1), 0, 1)),
                       (S((2, 3)), S((2, 3))),
                       (S((2, 3)), None, S((3,))),
                       (S((2, 3)), 0.8, 0.2), (S((2, 3)), S((3,), 0.5, 1), S((3,), -1, 0)),
                       (I((5,), -5, 5), -2, 2), (I((5,), -5, 5), 1.5)],
             gradgrad=False),
    OpRecord("clip", [(S((2, 3)), -0.5, 0.5), (S((2, 3)), S((3,)), None)], gradgrad=False),
    OpRecord("clamp_min", [(S((2, 3)), 0.1), (S((2, 3)), S((3,)))], gradgrad=False),
    OpRecord("clamp_max", [(S((2, 3)), 0.1), (S((2, 3)), S((2, 1)))], gradgrad=False),
    OpRecord("clamp_", [(S((2, 3)), -0.5, 0.5), (S((2, 3)), S((2, 3)), None)],
             call=_inplace("clamp"), gradgrad=False),
    OpRecord("maximum", [(S((2, 3)), S((2, 3))), (S((2, 3)), S((3,))),
                         (A([1.0, 2.0, _NAN]), A([1.0, 3.0, 0.0])),
                         (I((4,), 0, 3), I((4,), 0, 3))], gradgrad=False),
    OpRecord("minimum", [(S((2, 3)), S((2, 3))), (S((1, 3)), S((2, 1)))], gradgrad=False),
    OpRecord("fmax", [(S((2, 3)), S((2, 3))), (A([1.0, _NAN, _NAN]), A([_NAN, 2.0, _NAN]))],
             gradgrad=False),
    OpRecord("fmin", [(S((2, 3)), S((3,))), (A([1.0, _NAN, _NAN]), A([_NAN, 2.0, _NAN]))],
             gradgrad=False),
    # ---------------------------------------------------------------- lerp / addc*
    OpRecord("lerp", [(S((2, 3)), S((2, 3)), 0.3), (S((2, 3)), S((3,)), 0.8),
                      (S((2, 3)), S((2, 3)), S((2, 3), 0, 1)), (S((2, 1)), S((3,)), S((2, 3)))]),
    OpRecord("addcmul", [(S((2, 3)), S((2, 3)), S((2, 3))),
                         Sample((S((3,)), S((2, 3)), S((2, 1))), {"value": 0.5})]),
    OpRecord("addcdiv", [(S((2, 3)), S((2, 3)), S((2, 3), 0.5, 2)),
                         Sample((S((3,)), S((2, 3)), S((2, 1), 0.5, 2)), {"value": -2.0})]),
    OpRecord("addcmul_", [Sample((S((2, 3)), S((2, 3)), S((3,))), {"value": 0.1})],
             call=_inplace("addcmul")),
    OpRecord("addcdiv_", [Sample((S((2, 3)), S((2, 3)), S((3,), 0.5, 2)), {"value": 0.1})],
             call=_inplace("addcdiv")),
    OpRecord("lerp_", [(S((2, 3)), S((2, 3)), 0.1)], call=_inplace("lerp")),
    # ---------------------------------------------------------------- signs
    OpRecord("copysign", [(S((2, 3)), S((2, 3))), (S((2, 3)), -1.0),
                          (A([0.0, 1.0, -2.0]), A([-1.0, -0.0, 3.0])), (I((4,), -3, 3), 2.0),
                          (I((4,), -3, 3), S((4,)))],
             gradgrad=False),
    OpRecord("signbit", [(S((2, 3)),), (_SPECIAL,), (I((4,), -3, 3),)], grad=False),
    OpRecord("heaviside", [(S((2, 3)), S((2, 3))), (A([-1.0, 0.0, 2.0]), A([0.5]))],
             grad=False),
    OpRecord("positive", [(S((2, 3)),), (I((3,), -2, 2),)]),
    OpRecord("nan_to_num", [(_SPECIAL,), Sample((_SPECIAL,), {"nan": 1.0, "posinf": 2.0}),
                            Sample((A([_NAN, -_INF]),), {"neginf": -5.0}), (S((2, 3)),)]),
    OpRecord("nan_to_num_", [(S((2, 3)),)], call=_inplace("nan_to_num")),
    *[OpRecord(n, [(_SPECIAL,), (S((2, 3)),), (I((3,), -2, 2),)], grad=False)
      for n in ("isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal")],
    OpRecord("isclose", [(A([1.0, 1.0, _INF, _NAN, 2.0]), A([1.0 + 1e-7, 1.1, _INF, _NAN, _INF])),
                         Sample((A([1.0, _NAN]), A([1.0, _NAN])), {"equal_nan": True}),
                         Sample((A([1.0, 2.0]), A([1.05, 2.5])), {"rtol": 0.1, "atol": 0.0}),
                         (I((4,), 0, 3), I((4,), 0, 3))], grad=False),
    OpRecord("allclose", [(A([1.0, 2.0]), A([1.0, 2.0 + 1e-7])), (A([1.0, 2.0]), A([1.0, 2.1])),
                          Sample((A([1.0, 2.0]), A([1.0, 2.1])), {"atol": 0.2})], grad=False),
    OpRecord("equal", [(A([1.0, 2.0]), A([1.0, 2.0])), (A([1.0, 2.0]), A([1.0, 3.0])),
                       (A([1.0, 2.0]), A([1.0, 2.0, 3.0])), (A([1, 2]), A([1.0, 2.0]))],
             grad=False),
    # ---------------------------------------------------------------- softmax / activations
    OpRecord("softmax", [(S((2, 3)), 1), (S((2, 3, 4)), 0), (S((2, 3, 4)), -1), (S((5,)), 0),
                         (S(()), 0), (A([1000.0, 0.0, -1000.0]), 0),
                         Sample((S((2, 3)), 1), {"dtype": "float64"})],
             call=lambda lib, x, d, **k: lib.softmax(
                 x, d, dtype=getattr(lib, k["dtype"]) if "dtype" in k else None)),
    OpRecord("log_softmax", [(S((2, 3)), 1), (S((2, 3, 4)), 1), (S((4,)), -1), (S(()), 0),
                             (A([1000.0, 0.0, -1000.0]), 0),
                             Sample((S((2, 3)), 0), {"dtype": "float64"})],
             call=lambda lib, x, d, **k: lib.log_softmax(
                 x, d, dtype=getattr(lib, k["dtype"]) if "dtype" in k else None)),
    OpRecord("selu", [(S((2, 3)),), (S(()),), (S((3, 4), -30, 3),)]),
    OpRecord("celu", [(S((2, 3)),), (S((2, 3)), 0.5)]),
    OpRecord("rrelu", [(S((2, 3)),), (S((2, 3)), 0.1, 0.3)], gradgrad=False),
    OpRecord("threshold", [(S((2, 3)), 0.1, 20.0), (S((2, 3)), -0.5, -1.0)], gradgrad=False),
    OpRecord("prelu", [(S((2, 3, 4)), S((3,), 0, 0.5)), (S((2, 3)), S((1,), 0, 0.5)),
                       (S((3, 2, 2)), S((2,), 0, 0.5))], gradgrad=False),
    OpRecord("hardshrink", [(S((2, 3)),), (S((2, 3)), 1.0)], gradgrad=False),
    OpRecord("relu_", [(S((2, 3)),)], call=_fn_inplace("relu_"), gradgrad=False),
    OpRecord("selu_", [(S((2, 3)),)], call=_fn_inplace("selu_")),
    OpRecord("celu_", [(S((2, 3)),)], call=_fn_inplace("celu_")),
    OpRecord("rrelu_", [(S((2, 3)),)], call=_fn_inplace("rrelu_"), gradgrad=False),
    OpRecord("threshold_", [(S((2, 3)), 0.0, 5.0)], call=_fn_inplace("threshold_"),
             gradgrad=False),
    # ---------------------------------------------------------------- in-place unary forms
    *[OpRecord(n + "_", [(S((2, 3), lo, hi),)], call=_inplace(n))
      for n, lo, hi in (("sigmoid", -3, 3), ("tanh", -2, 2), ("exp2", -2, 2), ("sin", -2, 2),
                        ("log1p", 0, 2), ("erf", -2, 2), ("square", -2, 2), ("sqrt", 0.5, 2),
                        ("arcsin", -0.8, 0.8))],
    *[OpRecord(n + "_", [(S((2, 3), -3, 3),)], call=_inplace(n), gradgrad=False)
      for n in ("floor", "ceil", "round", "frac")],
    OpRecord("clamp_min_", [(S((2, 3)), 0.2)], call=_inplace("clamp_min"), gradgrad=False),
    OpRecord("clamp_max_", [(S((2, 3)), S((3,)))], call=_inplace("clamp_max"), gradgrad=False),
    OpRecord("atan2_", [(S((2, 3)), S((3,)))], call=_inplace("atan2")),
    OpRecord("copysign_", [(S((2, 3)), S((2, 3)))], call=_inplace("copysign"), gradgrad=False),
    OpRecord("hypot_", [(S((2, 3)), S((2, 3)))], call=_inplace("hypot")),
    OpRecord("xlogy_", [(S((2, 3)), S((2, 3), 0.1, 2))], call=_inplace("xlogy")),
    OpRecord("logit_", [(S((2, 3), 0.1, 0.9),)], call=_inplace("logit")),
]
