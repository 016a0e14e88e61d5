"""check_perplexity.py EXPECTED OUT: the perplexity `qcc eval --metric
perplexity` printed in OUT ("perplexity P (cross-entropy C nats) on ...")
against EXPECTED (a number or a file holding it) within 1e-4 relative; prints
both, exit 1 when they differ."""
import os
import sys

exp_arg, out = sys.argv[1], sys.argv[2]
expected = float(open(exp_arg).read().split()[0]) if os.path.exists(exp_arg) else float(exp_arg)
words = open(out).read().split()
got = float(words[words.index("perplexity") + 1])
print(f"perplexity {got:.6f}, expected {expected:.6f}")
sys.exit(abs(got - expected) > 1e-4 * expected)
