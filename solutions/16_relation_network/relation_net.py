"""Relation networks (Santoro et al., 2017): RN(O, q) = f(sum_{i, j} g([o_i, o_j, q])).

A relation network looks at every ordered pair of objects, together with the question, through
one shared MLP g, adds up what g says about all the pairs, and lets a second MLP f read the
answer off the sum. Summing makes the result independent of the order the objects come in.

Layers come in pairs: ``<name>_forward(...)`` returns ``(out, cache)`` and
``<name>_backward(dout, cache)`` returns the gradients with respect to the forward's inputs, in
argument order. ``cache`` is a flat dict whose keys each forward's docstring fixes (composites
use dotted keys such as ``"g.W0"``): the grader builds caches with its own forward and hands them
to your backward.

An MLP's parameters are two lists of the same length L: ``Ws[k]`` of shape (M_k, M_{k+1}) and
``bs[k]`` of shape (M_{k+1},). The relation network takes its two MLPs as pairs ``g = (Ws, bs)``
and ``f = (Ws, bs)`` and returns their gradients the same way, ``(dWs, dbs)``.

Dimensions: N scenes in a batch, n objects per scene, D features per object, Q features of the
question, F = 2D + Q features of a pair, G outputs of g, C answer classes. Every array is
float64. Never modify an argument in place.
"""

import numpy as np


def all_pairs_forward(O, q):
    """Every ordered pair of objects of each scene, with the question appended.

    Row i*n + j of P[b] is the concatenation [O[b, i], O[b, j], q[b]]; i == j is included.

    Inputs:
    - O: objects, of shape (N, n, D)
    - q: questions, of shape (N, Q) (Q may be 0)

    Returns a tuple of:
    - P: pairs, of shape (N, n*n, 2D + Q)
    - cache: dict with keys "O" and "q" (the inputs, unchanged)
    """
    ### BEGIN SOLUTION
    # TODO: the first object of row i*n + j is o_i (repeat each object n times), the second is
    # TODO: o_j (tile the whole list n times), then q for every pair; concatenate the features.
    N, n, D = O.shape
    first = np.repeat(O, n, axis=1)  # (N, n*n, D)
    second = np.tile(O, (1, n, 1))  # (N, n*n, D)
    question = np.repeat(q[:, None, :], n * n, axis=1)  # (N, n*n, Q)
    P = np.concatenate([first, second, question], axis=2)  # (N, n*n, 2D + Q)
    cache = {"O": O, "q": q}
    ### END SOLUTION
    return P, cache


def all_pairs_backward(dP, cache):
    """Backward pass of all_pairs_forward.

    Object i appears as the first member of the pairs (i, j) and as the second member of the
    pairs (j, i); the question appears in every pair.

    Inputs:
    - dP: upstream gradient, of shape (N, n*n, 2D + Q)
    - cache: dict from all_pairs_forward with keys "O" (N, n, D) and "q" (N, Q)

    Returns a tuple of:
    - dO: gradient with respect to O, of shape (N, n, D)
    - dq: gradient with respect to q, of shape (N, Q)
    """
    ### BEGIN SOLUTION
    # TODO: view dP as (N, n, n, 2D + Q) indexed by (i, j); sum the first block over j, the
    # TODO: second block over i, and the question block over both.
    N, n, D = cache["O"].shape
    grid = dP.reshape(N, n, n, -1)  # (N, n, n, 2D + Q)
    dO = grid[..., :D].sum(axis=2) + grid[..., D : 2 * D].sum(axis=1)  # (N, n, D)
    dq = grid[..., 2 * D :].sum(axis=(1, 2))  # (N, Q)
    ### END SOLUTION
    return dO, dq


def mlp_forward(x, Ws, bs):
    """A multi-layer perceptron: affine layers with a ReLU between them and none after the last.

    h_0 = x;  h_{k+1} = relu(h_k Ws[k] + bs[k]) for k < L - 1;  out = h_{L-1} Ws[L-1] + bs[L-1].
    Any number of leading batch dimensions is allowed: the layers act on the last axis.

    Inputs:
    - x: input, of shape (..., M_0)
    - Ws: list of L weight matrices, Ws[k] of shape (M_k, M_{k+1})
    - bs: list of L bias vectors, bs[k] of shape (M_{k+1},)

    Returns a tuple of:
    - out: output, of shape (..., M_L)
    - cache: dict with keys "num_layers" (the int L) and, for k = 0 .. L-1, "W{k}" and "b{k}"
      (the parameters) and "h{k}" (the input of layer k, of shape (..., M_k); "h0" is x)
    """
    ### BEGIN SOLUTION
    # TODO: loop over the layers, keeping each layer's input in the cache; ReLU on all but the
    # TODO: last layer's output.
    num_layers = len(Ws)
    cache = {"num_layers": num_layers}
    h = x
    for k in range(num_layers):
        cache[f"W{k}"], cache[f"b{k}"], cache[f"h{k}"] = Ws[k], bs[k], h
        z = h @ Ws[k] + bs[k]  # (..., M_{k+1})
        h = np.maximum(z, 0.0) if k < num_layers - 1 else z
    out = h
    ### END SOLUTION
    return out, cache


def mlp_backward(dout, cache):
    """Backward pass of mlp_forward.

    Inputs:
    - dout: upstream gradient, of shape (..., M_L)
    - cache: dict from mlp_forward with keys "num_layers", "W{k}", "b{k}", "h{k}"

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (..., M_0)
    - dWs: list of L arrays, dWs[k] of the shape of Ws[k]
    - dbs: list of L arrays, dbs[k] of the shape of bs[k]
    """
    ### BEGIN SOLUTION
    # TODO: walk the layers backwards; weight and bias gradients sum over every leading
    # TODO: dimension; between layers, pass the gradient only where the ReLU was active.
    num_layers = cache["num_layers"]
    dWs, dbs = [None] * num_layers, [None] * num_layers
    dz = dout
    for k in reversed(range(num_layers)):
        h = cache[f"h{k}"]
        dWs[k] = h.reshape(-1, h.shape[-1]).T @ dz.reshape(-1, dz.shape[-1])  # (M_k, M_{k+1})
        dbs[k] = dz.reshape(-1, dz.shape[-1]).sum(axis=0)  # (M_{k+1},)
        dh = dz @ cache[f"W{k}"].T  # (..., M_k)
        if k > 0:
            dz = dh * (h > 0)
    dx = dh
    ### END SOLUTION
    return dx, dWs, dbs


def _with_prefix(prefix, cache):
    """{"W0": ...} -> {"g.W0": ...}: store a sub-layer's cache inside a composite's cache."""
    return {prefix + key: value for key, value in cache.items()}


def _without_prefix(prefix, cache):
    """The sub-layer cache stored under ``prefix`` (the inverse of _with_prefix)."""
    return {key[len(prefix) :]: value for key, value in cache.items() if key.startswith(prefix)}


def relation_network_forward(O, q, g, f):
    """A relation network: f applied to the sum of g over every ordered pair [o_i, o_j, q].

    logits = f( sum_{i, j} g([o_i, o_j, q]) ), with both MLPs from mlp_forward. The n*n pairs
    include i == j, and they are summed (not averaged), as in the paper.

    Inputs:
    - O: objects, of shape (N, n, D)
    - q: questions, of shape (N, Q)
    - g: the pair MLP as (Ws, bs); its input size is 2D + Q, its output size G
    - f: the answer MLP as (Ws, bs); its input size is G, its output size C

    Returns a tuple of:
    - logits: of shape (N, C)
    - cache: dict holding the caches of all_pairs_forward under keys "pairs.<key>", of
      the g MLP under "g.<key>" and of the f MLP under "f.<key>" (use _with_prefix), and
      "num_pairs" (the int n*n)
    """
    ### BEGIN SOLUTION
    # TODO: build the pairs, run g on all of them at once, sum over the pair axis, run f.
    # TODO: Call all_pairs_forward and mlp_forward by name, and store their caches prefixed.
    P, pairs_cache = all_pairs_forward(O, q)  # (N, n*n, 2D + Q)
    G, g_cache = mlp_forward(P, g[0], g[1])  # (N, n*n, G)
    pooled = G.sum(axis=1)  # (N, G)
    logits, f_cache = mlp_forward(pooled, f[0], f[1])  # (N, C)
    cache = {
        **_with_prefix("pairs.", pairs_cache),
        **_with_prefix("g.", g_cache),
        **_with_prefix("f.", f_cache),
        "num_pairs": P.shape[1],
    }
    ### END SOLUTION
    return logits, cache


def relation_network_backward(dlogits, cache):
    """Backward pass of relation_network_forward.

    Inputs:
    - dlogits: upstream gradient, of shape (N, C)
    - cache: dict from relation_network_forward (keys "pairs.*", "g.*", "f.*", "num_pairs")

    Returns a tuple of:
    - dO: gradient with respect to O, of shape (N, n, D)
    - dq: gradient with respect to q, of shape (N, Q)
    - dg: (dWs, dbs) for the g MLP, lists shaped like g's
    - df: (dWs, dbs) for the f MLP, lists shaped like f's
    """
    ### BEGIN SOLUTION
    # TODO: back through f, copy the pooled gradient to every pair (the sum's backward), back
    # TODO: through g, then through all_pairs. Call the *_backward functions by name.
    dpooled, df_Ws, df_bs = mlp_backward(dlogits, _without_prefix("f.", cache))  # (N, G)
    dG = np.repeat(dpooled[:, None, :], cache["num_pairs"], axis=1)  # (N, n*n, G)
    dP, dg_Ws, dg_bs = mlp_backward(dG, _without_prefix("g.", cache))  # (N, n*n, 2D + Q)
    dO, dq = all_pairs_backward(dP, _without_prefix("pairs.", cache))
    dg, df = (dg_Ws, dg_bs), (df_Ws, df_bs)
    ### END SOLUTION
    return dO, dq, dg, df


def sort_of_clevr_answer(objects, question):
    """The true answer to a Sort-of-CLEVR question about one scene.

    A scene is n objects, each row [colour one-hot (K), x, y, shape], with shape 0 (square) or
    1 (circle) and every colour used at most once. A question is [colour one-hot (K), kind
    one-hot (3)] and asks about the object of that colour (the subject):
    - kind 0: the subject's shape;
    - kind 1: the shape of the object closest to the subject (Euclidean distance in (x, y),
      the subject itself excluded);
    - kind 2: the shape of the object farthest from the subject.
    Ties between equally distant objects go to the lowest index. Relational questions need
    n >= 2.

    Inputs:
    - objects: one scene, of shape (n, K + 3)
    - question: of shape (K + 3,)

    Returns:
    - answer: the shape (0 or 1) of the object the question is about, an int
    """
    ### BEGIN SOLUTION
    # TODO: find the subject, the distances of every object from it, then the target (no loop
    # TODO: over objects: argmin / argmax, with the subject's own distance ruled out).
    K = objects.shape[1] - 3
    subject = int(np.argmax(objects[:, int(np.argmax(question[:K]))]))
    kind = int(np.argmax(question[K:]))
    xy = objects[:, K : K + 2]  # (n, 2)
    dist = np.sqrt(((xy - xy[subject]) ** 2).sum(axis=1))  # (n,)
    others = np.where(np.arange(len(objects)) == subject, np.inf, dist)  # (n,)
    target = [subject, int(np.argmin(others)), int(np.argmax(dist))][kind]
    answer = int(objects[target, K + 2])
    ### END SOLUTION
    return answer
