"""Plausible wrong versions of relation_net.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "all_pairs_forward builds [o_j, o_i] instead of [o_i, o_j]": [
        ("first = np.repeat(O, n, axis=1)", "first = np.tile(O, (1, n, 1))"),
        ("second = np.tile(O, (1, n, 1))", "second = np.repeat(O, n, axis=1)"),
    ],
    "all_pairs_forward drops the question (R2)": [
        ("np.concatenate([first, second, question], axis=2)",
         "np.concatenate([first, second], axis=2)"),
    ],
    "all_pairs_backward forgets that o_i is also the second member of pairs": [
        ("dO = grid[..., :D].sum(axis=2) + grid[..., D : 2 * D].sum(axis=1)",
         "dO = grid[..., :D].sum(axis=2)"),
    ],
    "all_pairs_backward sums the second block over the wrong axis": [
        ("grid[..., D : 2 * D].sum(axis=1)", "grid[..., D : 2 * D].sum(axis=2)"),
    ],
    "all_pairs_backward averages dq over the pairs": [
        ("dq = grid[..., 2 * D :].sum(axis=(1, 2))", "dq = grid[..., 2 * D :].mean(axis=(1, 2))"),
    ],
    "mlp_forward applies a ReLU after the last layer too": [
        ("h = np.maximum(z, 0.0) if k < num_layers - 1 else z", "h = np.maximum(z, 0.0)"),
    ],
    "mlp_backward sums the bias gradient over the first axis only": [
        ("dbs[k] = dz.reshape(-1, dz.shape[-1]).sum(axis=0)", "dbs[k] = dz.sum(axis=0)"),
    ],
    "mlp_backward forgets the ReLU derivative": [
        ("dz = dh * (h > 0)", "dz = dh"),
    ],
    "relation_network_forward averages over the pairs instead of summing": [
        ("pooled = G.sum(axis=1)", "pooled = G.mean(axis=1)"),
    ],
    "relation_network_forward sums only the pairs i < j (breaks permutation invariance)": [
        ("pooled = G.sum(axis=1)",
         "pooled = (G * np.triu(np.ones((O.shape[1],) * 2), 1).reshape(1, -1, 1)).sum(axis=1)"),
    ],
    "relation_network_backward divides the pooled gradient among the pairs": [
        ("np.repeat(dpooled[:, None, :], cache",
         "np.repeat(dpooled[:, None, :] / cache[\"num_pairs\"], cache"),
    ],
    "sort_of_clevr_answer lets the subject be its own closest object": [
        ("others = np.where(np.arange(len(objects)) == subject, np.inf, dist)", "others = dist"),
    ],
    "sort_of_clevr_answer measures distance along x only": [
        ("dist = np.sqrt(((xy - xy[subject]) ** 2).sum(axis=1))",
         "dist = np.abs(xy[:, 0] - xy[subject, 0])"),
    ],
    "sort_of_clevr_answer breaks ties towards the highest index": [
        ("int(np.argmin(others)), int(np.argmax(dist))",
         "len(dist) - 1 - int(np.argmin(others[::-1])), "
         "len(dist) - 1 - int(np.argmax(dist[::-1]))"),
    ],
}
