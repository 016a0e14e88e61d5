#!/usr/bin/python3
"""Train the byte-level transformer language model of docs/precision.md
("Transformer language model") and export it for qcc.

Corpus: the fortune files of Debian's `fortunes` package
(/usr/share/games/fortunes, installed by `tools/setup.sh --bench`), every file
but the .dat/.u8 indexes and the two ASCII-art files, in name order. The last
5% of the bytes are held out for the test set; the calibration set is drawn
from the training bytes.

Model: decoder-only, pre-LayerNorm, learned positions, d_model 256, 3 layers,
4 heads, MLP 4x with GELU, context 64, byte vocabulary (256), untied output
head: 2.52M parameters (2.42M of them the weights of the 13 Linear layers). Every Linear is
exported as MatMul with a constant [K][N] weight plus an Add for the bias, batch 1.

Outputs (in --out):
  lm.onnx       opset 17, input "tokens" int64 [1, 64], output "logits" f32 [1, 64, 256]
  lm_test.npz   "tokens" [256, 64] int64 held-out windows, "targets" [256, 64] int64 next bytes
  lm_calib.npz  same keys, 64 windows from the training bytes
  lm.pt         the trained weights (--reexport exports them again without training)
  lm_train.txt  the steps, loss and the test perplexity torch measured
  lm_test_logits4.npy  torch's logits for the first 4 test windows (to check an importer)

Run: nice /usr/bin/python3 tools/train_lm.py --out DIR   (AdamW, batch 16,
cosine schedule over whichever of --steps and --minutes ends first: 24 minutes
by default, one torch thread, as the machine is shared; the result depends on
how many steps fit, recorded in lm_train.txt).
"""
import argparse
import math
import os
import sys
import time

# Debian's torch calls the system BLAS (libblas.so.3); the reference BLAS is
# ~25x slower than OpenBLAS. Use OpenBLAS (libopenblas0-pthread) for this
# process only, without switching the system alternative.
OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread"
if os.path.isdir(OPENBLAS) and OPENBLAS not in os.environ.get("LD_LIBRARY_PATH", ""):
    os.environ["LD_LIBRARY_PATH"] = OPENBLAS + ":" + os.environ.get("LD_LIBRARY_PATH", "")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # no spinning on a shared machine
    os.execv(sys.executable, [sys.executable] + sys.argv)

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FORTUNES = "/usr/share/games/fortunes"
SKIP = {"art", "ascii-art"}


def corpus(path):
    if not os.path.isdir(path):
        sys.exit(f"train_lm: {path} not found: install the 'fortunes' package (tools/setup.sh --bench)")
    data = bytearray()
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if name in SKIP or "." in name or not os.path.isfile(full):
            continue
        with open(full, "rb") as f:
            data += f.read()
    return np.frombuffer(bytes(data), dtype=np.uint8)


class Block(nn.Module):
    def __init__(self, d, heads, ctx):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)
        mask = torch.triu(torch.full((ctx, ctx), -1e9), diagonal=1)
        self.register_buffer("mask", mask)

    def forward(self, x):
        b, t, d = x.shape
        h, hd = self.heads, d // self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.reshape(b, t, h, hd).transpose(1, 2)
        k = k.reshape(b, t, h, hd).transpose(1, 2)
        v = v.reshape(b, t, h, hd).transpose(1, 2)
        att = (q @ k.transpose(2, 3)) * (1.0 / math.sqrt(hd)) + self.mask[:t, :t]
        y = att.softmax(dim=-1) @ v
        y = y.transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class LM(nn.Module):
    def __init__(self, vocab=256, d=256, layers=4, heads=4, ctx=64):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.zeros(ctx, d))
        self.blocks = nn.ModuleList(Block(d, heads, ctx) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)
        nn.init.normal_(self.pos, std=0.02)
        nn.init.normal_(self.tok.weight, std=0.02)

    def forward(self, tokens):
        x = self.tok(tokens) + self.pos[: tokens.shape[1]]
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.ln(x))


def windows(data, starts, ctx):
    idx = starts[:, None] + np.arange(ctx + 1)[None, :]
    w = data[idx].astype(np.int64)
    return w[:, :-1], w[:, 1:]


def perplexity(model, x, y, batch=64):
    model.eval()
    tot, n = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(torch.from_numpy(x[i:i + batch]))
            tot += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(y[i:i + batch]).reshape(-1),
                                   reduction="sum").item()
            n += y[i:i + batch].size
    model.train()
    return math.exp(tot / n)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", default=FORTUNES)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--minutes", type=float, default=24.0,
                    help="wall-time budget: the schedule runs to whichever of --steps and --minutes ends first")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--ctx", type=int, default=64)
    ap.add_argument("--d", type=int, default=256)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--reexport", action="store_true", help="export OUT/lm.pt again without training")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test", type=int, default=256, help="held-out windows")
    ap.add_argument("--calib", type=int, default=64, help="calibration windows")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)

    data = corpus(a.corpus)
    split = int(len(data) * 0.95)
    train, held = data[:split], data[split:]
    ctx = a.ctx
    stride = (len(held) - ctx - 1) // a.test
    if stride < ctx:
        sys.exit(f"train_lm: held-out text ({len(held)} bytes) too short for {a.test} windows of {ctx}")
    tx, ty = windows(held, np.arange(a.test) * stride, ctx)
    cx, cy = windows(train, rng.integers(0, len(train) - ctx - 1, a.calib), ctx)

    model = LM(d=a.d, layers=a.layers, heads=a.heads, ctx=ctx)
    nparams = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01, betas=(0.9, 0.95))
    warm = 30
    log = [f"corpus {len(data)} bytes ({split} train, {len(held)} held out), params {nparams}"]
    print(log[0], flush=True)
    t0 = time.time()
    step = 0
    if a.reexport:
        model.load_state_dict(torch.load(os.path.join(a.out, "lm.pt")))
        a.steps = 0
    for step in range(1, a.steps + 1):
        done = max((step - 1) / a.steps, (time.time() - t0) / (a.minutes * 60))
        if done >= 1.0:
            step -= 1
            log.append(f"stopped after step {step}: the {a.minutes}-minute budget")
            print(log[-1], flush=True)
            break
        lr = a.lr * min(1.0, step / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * done)))
        for g in opt.param_groups:
            g["lr"] = lr
        xb, yb = windows(train, rng.integers(0, len(train) - ctx - 1, a.batch), ctx)
        logits = model(torch.from_numpy(xb))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(yb).reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        el = time.time() - t0
        if step % 50 == 0 or step == 1:
            line = f"step {step} loss {loss.item():.4f} lr {lr:.2e} {el:.0f}s"
            print(line, flush=True)
            log.append(line)
    if not a.reexport:
        torch.save(model.state_dict(), os.path.join(a.out, "lm.pt"))
    ppl = perplexity(model, tx, ty)
    log.append(f"trained {step} steps in {time.time() - t0:.0f}s; test perplexity (torch) {ppl:.4f}")
    print(log[-1], flush=True)

    model.eval()
    onnx_path = os.path.join(a.out, "lm.onnx")
    torch.onnx.export(model, torch.from_numpy(tx[:1]), onnx_path, opset_version=17, input_names=["tokens"],
                      output_names=["logits"], do_constant_folding=True)
    np.savez(os.path.join(a.out, "lm_test.npz"), tokens=tx, targets=ty)
    np.savez(os.path.join(a.out, "lm_calib.npz"), tokens=cx, targets=cy)
    with torch.no_grad():
        ref = model(torch.from_numpy(tx[:4])).numpy()
    np.save(os.path.join(a.out, "lm_test_logits4.npy"), ref)
    with open(os.path.join(a.out, "lm_train.txt"), "w") as f:
        f.write("\n".join(log) + "\n")


if __name__ == "__main__":
    main()
