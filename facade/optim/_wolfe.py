"""The strong-Wolfe line search LBFGS uses (line_search_fn="strong_wolfe"), with its cubic
interpolation. A trial point is a tuple (t, f, g, gtd): step length, loss, flat gradient and
directional derivative g.d. Step lengths and derivatives stay what PyTorch's are (floats or
0-dim tensors, in the same arithmetic order), so the steps tried are PyTorch's."""

ARMIJO_C1, CURVATURE_C2 = 1e-4, 0.9


def cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped
    to `bounds` (default: between x1 and x2); their midpoint when the cubic has no minimum."""
    if bounds is None:
        bounds = (x1, x2) if x1 <= x2 else (x2, x1)
    lo, hi = bounds
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if not d2_square >= 0:
        return (lo + hi) / 2.0
    d2 = d2_square.sqrt()
    if x1 <= x2:
        at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(at, lo), hi)


def _ordered(bracket):
    """(low, high): the positions of the lower and the higher loss in the bracket."""
    return (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)


def strong_wolfe(evaluate, d, t, f, g, gtd, tolerance_change=1e-9, max_ls=25):
    """Search along d from the current point (loss f, gradient g, slope gtd < 0), starting at step
    t, for a step meeting the strong Wolfe conditions. `evaluate(t)` returns (loss, flat gradient)
    at x + t d. Returns (loss, gradient, t, number of evaluations)."""
    armijo = lambda p: p[1] > f + ARMIJO_C1 * p[0] * gtd  # noqa: E731 - True when the decrease is too small
    flat = lambda p: abs(p[3]) <= -CURVATURE_C2 * gtd  # noqa: E731 - the curvature condition
    evaluations = 0

    def probe(step):
        nonlocal evaluations
        evaluations += 1
        loss, grad = evaluate(step)
        return (step, loss, grad, grad.dot(d))

    d_norm = d.abs().max()
    prev, cur = (0, f, g, gtd), probe(t)
    done, ls_iter, bracket = False, 0, None
    # bracketing: grow the step until the interval [prev, cur] must hold an acceptable one
    while ls_iter < max_ls:
        if armijo(cur) or (ls_iter > 1 and cur[1] >= prev[1]):
            bracket = [prev, cur]
            break
        if flat(cur):
            bracket, done = [cur], True
            break
        if cur[3] >= 0:
            bracket = [prev, cur]
            break
        bounds = (cur[0] + 0.01 * (cur[0] - prev[0]), cur[0] * 10)
        prev, cur = cur, probe(cubic_minimum(prev[0], prev[1], prev[3], cur[0], cur[1], cur[3], bounds))
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [(0, f, g, None), cur]
    # zoom: shrink the bracket by cubic interpolation, keeping away from its ends
    low, high = _ordered(bracket)
    insufficient_progress = False
    while not done and ls_iter < max_ls:
        (t0, f0, _, s0), (t1, f1, _, s1) = bracket
        if abs(t1 - t0) * d_norm < tolerance_change:
            break
        t = cubic_minimum(t0, f0, s0, t1, f1, s1)
        top, bottom = max(t0, t1), min(t0, t1)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        new = probe(t)
        ls_iter += 1
        if armijo(new) or new[1] >= bracket[low][1]:
            bracket[high] = new
            low, high = _ordered(bracket)
        else:
            if flat(new):
                done = True
            elif new[3] * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = new
    t, loss, grad, _ = bracket[low]
    return loss, grad, t, evaluations
