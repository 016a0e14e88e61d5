#!/usr/bin/python3
"""Export large real-world models to ONNX with Debian's PyTorch 1.13 for import testing.

Usage: /usr/bin/python3 tools/export_models.py [OUT_DIR] [--only NAME,NAME...]
       (OUT_DIR defaults to /tmp/qcc-models)

Writes OUT_DIR/<model>_op<opset>.onnx and OUT_DIR/op_counts.json (op-type counts, inputs,
sizes per model). Weights are random (nothing can be downloaded); every model is built
after torch.manual_seed(0), so re-running gives the same files. All models are exported in
eval mode with a dynamic batch axis ("batch"); the text models also have a dynamic
sequence axis ("seq"), so importing them needs --input-shape (tools/check_large_imports.sh
supplies it). Checked by tools/check_large_imports.sh; results in docs/import-check.md.
"""
import argparse
import collections
import json
import math
import os
import sys
import time
import warnings

import onnx
import torch
import torch.nn as nn
import torchvision

SEQ = 128
VOCAB = 30522


# ---------------------------------------------------------------- text models
class SelfAttention(nn.Module):
    """Multi-head self-attention with plain MatMul/Softmax/Transpose/Reshape.
    `bias` is added to the scores: (B, 1, 1, S) padding mask or (S, S) causal mask."""

    def __init__(self, d, heads):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def split(self, x):  # (B, S, D) -> (B, H, S, Dh)
        b, s, _ = x.shape
        return x.reshape(b, s, self.h, self.dh).transpose(1, 2)

    def forward(self, x, bias=None, causal=None):
        b, s, d = x.shape
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh)
        if bias is not None:
            scores = scores + bias
        if causal is not None:  # bool (S, S), True above the diagonal -> Where
            scores = scores.masked_fill(causal, float("-inf"))
        p = torch.softmax(scores, dim=-1)
        y = torch.matmul(p, v).transpose(1, 2).reshape(b, s, d)
        return self.o(y)


class EncoderLayer(nn.Module):
    """Post-LN BERT layer. nn.LayerNorm exports as ReduceMean/Sub/Pow/Add/Sqrt/Div/Mul/Add at
    opset < 17 and as LayerNormalization at opset 17; nn.GELU() exports as Div/Erf/Add/Mul."""

    def __init__(self, d, heads, ffn):
        super().__init__()
        self.attn = SelfAttention(d, heads)
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12)
        self.ff = nn.Sequential(nn.Linear(d, ffn), nn.GELU(), nn.Linear(ffn, d))

    def forward(self, x, bias):
        x = self.ln1(x + self.attn(x, bias=bias))
        return self.ln2(x + self.ff(x))


class Bert(nn.Module):
    """BERT-style encoder: token + position + segment embeddings, 4 layers, d=256, 4 heads,
    FFN 1024, attention mask (B, S) of 1/0 turned into an additive -10000 bias, pooler."""

    def __init__(self, vocab=VOCAB, d=256, heads=4, layers=4, ffn=1024, max_pos=512):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(max_pos, d)
        self.seg = nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList(EncoderLayer(d, heads, ffn) for _ in range(layers))
        self.pool = nn.Linear(d, d)

    def forward(self, input_ids, attention_mask):
        s = input_ids.shape[1]
        pos = torch.arange(s, device=input_ids.device).unsqueeze(0)  # Range when seq is dynamic
        x = self.tok(input_ids) + self.pos(pos) + self.seg(torch.zeros_like(input_ids))
        x = self.ln(x)
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        pooled = torch.tanh(self.pool(x[:, 0]))
        return x, pooled


class DecoderBlock(nn.Module):
    """Pre-LN GPT-2 block: causal self-attention + GELU MLP."""

    def __init__(self, d, heads, ffn):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = SelfAttention(d, heads)
        self.mlp = nn.Sequential(nn.Linear(d, ffn), nn.GELU(), nn.Linear(ffn, d))

    def forward(self, x, causal):
        x = x + self.attn(self.ln1(x), causal=causal)
        return x + self.mlp(self.ln2(x))


class Gpt(nn.Module):
    """GPT-style decoder: embeddings, decoder block(s) with a causal mask made by
    torch.triu(ones, 1).bool() + masked_fill(-inf) -> Where, final LayerNorm, LM head tied to
    the token embedding. torch.triu exports only from opset 14 (Trilu), so, as GPT-2 does, the
    mask is a (max_pos, max_pos) buffer built with triu once and sliced [:S, :S] in forward
    (an initializer + Slice + Where in the graph). With mask_in_forward=True the mask is built
    from the live sequence length instead (Trilu; exportable at opset >= 14 only)."""

    def __init__(self, vocab=VOCAB, d=256, heads=4, layers=1, ffn=1024, max_pos=512,
                 mask_in_forward=False):
        super().__init__()
        self.mask_in_forward = mask_in_forward
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(max_pos, d)
        self.blocks = nn.ModuleList(DecoderBlock(d, heads, ffn) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.tok.weight
        self.register_buffer("causal", torch.triu(torch.ones(max_pos, max_pos, dtype=torch.bool), 1))

    def forward(self, input_ids):
        s = input_ids.shape[1]
        if self.mask_in_forward:
            causal = torch.triu(torch.ones(s, s, dtype=torch.bool), diagonal=1)
        else:
            causal = self.causal[:s, :s]
        x = self.tok(input_ids) + self.pos(torch.arange(s).unsqueeze(0))
        for blk in self.blocks:
            x = blk(x, causal)
        return self.head(self.ln_f(x))


# ---------------------------------------------------------------- model table
def vision(fn, **kw):
    def build():
        return fn(weights=None, **kw)
    return build


TV = torchvision.models
VISION = {
    "resnet18": vision(TV.resnet18),
    "resnet50": vision(TV.resnet50),
    "mobilenet_v2": vision(TV.mobilenet_v2),
    "mobilenet_v3_small": vision(TV.mobilenet_v3_small),
    "mobilenet_v3_large": vision(TV.mobilenet_v3_large),
    "shufflenet_v2_x1_0": vision(TV.shufflenet_v2_x1_0),
    "squeezenet1_1": vision(TV.squeezenet1_1),
    "efficientnet_b0": vision(TV.efficientnet_b0),
    # weights=None defaults to aux_logits=True, init_weights=True; aux heads only run in training
    # anyway, but turn them off so the graph (and initializers) carry only the eval path.
    "googlenet": vision(TV.googlenet, aux_logits=False, init_weights=True),
    "regnet_y_400mf": vision(TV.regnet_y_400mf),
}

# (model, opset) pairs; opsets 11 and 17 exercise attribute-vs-input forms (Squeeze/Unsqueeze
# axes, Split, ReduceSum, Pad, Clip) and opset 17's native LayerNormalization.
PLAN = [(m, 13) for m in VISION] + [("bert", 13), ("gpt", 13)] + [
    ("resnet18", 11), ("mobilenet_v2", 11), ("bert", 11),
    ("resnet18", 17), ("mobilenet_v2", 17), ("bert", 17),
    ("gpt_trilu", 14)]  # the same GPT with torch.triu in forward: ONNX Trilu


def make(name):
    """-> (model in eval mode, example args, input names, output names, dynamic axes)"""
    torch.manual_seed(0)  # per model, so results do not depend on the export order
    if name in VISION:
        model = VISION[name]()
        ex = (torch.randn(1, 3, 224, 224),)
        return model.eval(), ex, ["input"], ["output"], {"input": {0: "batch"}, "output": {0: "batch"}}
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, VOCAB, (1, SEQ), generator=g)
    if name == "bert":
        mask = torch.ones(1, SEQ, dtype=torch.int64)
        mask[:, SEQ - 16:] = 0  # some padding, so the example exercises the mask
        dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
               "last_hidden_state": {0: "batch", 1: "seq"}, "pooler_output": {0: "batch"}}
        return (Bert().eval(), (ids, mask), ["input_ids", "attention_mask"],
                ["last_hidden_state", "pooler_output"], dyn)
    if name in ("gpt", "gpt_trilu"):
        dyn = {"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}
        model = Gpt(mask_in_forward=name == "gpt_trilu")
        return model.eval(), (ids,), ["input_ids"], ["logits"], dyn
    raise KeyError(name)


def describe_inputs(m):
    init = {i.name for i in m.graph.initializer}
    out = []
    for i in m.graph.input:
        if i.name in init:
            continue
        t = i.type.tensor_type
        dims = [d.dim_param if d.HasField("dim_param") else
                (d.dim_value if d.HasField("dim_value") else "?") for d in t.shape.dim]
        out.append({"name": i.name, "elem_type": onnx.TensorProto.DataType.Name(t.elem_type),
                    "dims": dims})
    return out


def export(name, opset, out_dir):
    model, ex, in_names, out_names, dyn = make(name)
    path = os.path.join(out_dir, f"{name}_op{opset}.onnx")
    t0 = time.time()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, ex, path, opset_version=opset, input_names=in_names,
                          output_names=out_names, dynamic_axes=dyn, do_constant_folding=True)
    dt = time.time() - t0
    m = onnx.load(path)
    onnx.checker.check_model(m)
    cnt = collections.Counter(n.op_type for n in m.graph.node)
    n_params = sum(int(math.prod(i.dims)) for i in m.graph.initializer)
    return path, {
        "file": os.path.basename(path), "model": name, "opset": opset,
        "bytes": os.path.getsize(path), "nodes": len(m.graph.node),
        "initializers": len(m.graph.initializer), "initializer_elems": n_params,
        "inputs": describe_inputs(m), "op_counts": dict(sorted(cnt.items())),
        "export_s": round(dt, 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir", nargs="?", default="/tmp/qcc-models")
    ap.add_argument("--only", default="", help="comma-separated model names (all opsets)")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    only = set(filter(None, a.only.split(",")))
    json_path = os.path.join(a.out_dir, "op_counts.json")
    report = json.load(open(json_path)) if only and os.path.exists(json_path) else {}
    failed = 0
    for name, opset in PLAN:
        if only and name not in only:
            continue
        key = f"{name}_op{opset}"
        try:
            path, info = export(name, opset, a.out_dir)
        except Exception as e:  # keep going: report the failure in the JSON
            failed += 1
            msg = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            print(f"[{key}] EXPORT FAILED: {msg}", flush=True)
            report[key] = {"model": name, "opset": opset, "error": msg}
            continue
        report[key] = info
        print(f"[{key}] {info['bytes'] / 1e6:7.2f} MB {info['nodes']:4d} nodes "
              f"{info['export_s']:5.1f}s  {info['op_counts']}", flush=True)
    report["_versions"] = {"torch": torch.__version__, "torchvision": torchvision.__version__,
                           "onnx": onnx.__version__, "python": sys.version.split()[0]}
    with open(json_path, "w") as f:
        json.dump(dict(sorted(report.items())), f, indent=1)
        f.write("\n")
    print(f"wrote {json_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
