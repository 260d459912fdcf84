#!/usr/bin/env python3
"""The trainer's objectives recomputed in PyTorch (Debian: python3-torch), written as test data for CI.

`lethe train` computes losses and gradients with ggml. This script builds a small llama model with random weights
(every tensor, norms included, so every path carries gradient), a batch of sequences of unequal length with target
masks, and computes in float64, independently of ggml:
  - the SFT loss (mean cross-entropy over target tokens), without and with the auxiliary prompt loss,
  - the DPO loss over two chosen/rejected pairs,
  - the gradient of each loss with respect to every tensor,
  - the weights after three AdamW steps (global norm clipped to 1) on the SFT loss.
tests/train/reference_objective_test.cpp loads the same weights into the trainer and compares, so CI needs no
PyTorch. Tensors use ggml's layout: a tensor with ne = [a, b] is a row-major [b][a] array (nn.Linear's weight).
Usage:
    python3 bench/trainer_reference.py [--out tests/train/data/reference_objective.json] [--seed N]
"""
import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

CONFIG = {"n_vocab": 19, "n_embd": 12, "n_layer": 2, "n_head": 2, "n_head_kv": 1, "n_ff": 16, "n_ctx": 32,
          "rope_freq_base": 10000.0, "rms_eps": 1e-5}
# Right-padded by the trainer; target[t] = 1: token t is predicted from position t - 1.
BATCH = [
    {"tokens": [1, 5, 9, 3, 7, 2, 11, 4], "target": [0, 0, 0, 0, 0, 1, 1, 1]},
    {"tokens": [1, 6, 6, 12, 8, 2], "target": [0, 0, 0, 0, 1, 1]},
    {"tokens": [1, 15, 3, 18, 0, 14, 13, 2, 9, 10], "target": [0, 0, 0, 0, 0, 0, 0, 1, 1, 0]},
    {"tokens": [1, 17, 4, 16, 5], "target": [0, 0, 0, 1, 1]},
]
PROMPT_WEIGHT = 0.5
DPO_BETA = 0.1
DPO_REFERENCE_MARGINS = [0.3, -0.2]  # pairs (0, 1) and (2, 3)
ADAMW = {"learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "clip_grad_norm": 1.0, "steps": 3}


def tensor_shapes(c):
    """(name, ne) in the order lethe's model_init writes them."""
    kv = c["n_embd"] // c["n_head"] * c["n_head_kv"]
    shapes = [("token_embd.weight", [c["n_embd"], c["n_vocab"]]), ("output_norm.weight", [c["n_embd"], 1]),
              ("output.weight", [c["n_embd"], c["n_vocab"]])]
    for i in range(c["n_layer"]):
        b = f"blk.{i}."
        shapes += [(b + "attn_norm.weight", [c["n_embd"], 1]), (b + "attn_q.weight", [c["n_embd"], c["n_embd"]]),
                   (b + "attn_k.weight", [c["n_embd"], kv]), (b + "attn_v.weight", [c["n_embd"], kv]),
                   (b + "attn_output.weight", [c["n_embd"], c["n_embd"]]),
                   (b + "ffn_norm.weight", [c["n_embd"], 1]), (b + "ffn_gate.weight", [c["n_embd"], c["n_ff"]]),
                   (b + "ffn_up.weight", [c["n_embd"], c["n_ff"]]), (b + "ffn_down.weight", [c["n_ff"], c["n_embd"]])]
    return shapes


def random_weights(c, generator):
    weights = {}
    for name, (a, b) in tensor_shapes(c):
        if b == 1:  # norms near 1, but not exactly, so their gradients matter
            weights[name] = 1.0 + 0.2 * torch.randn(a, generator=generator, dtype=torch.float64)
        else:
            weights[name] = torch.randn(b, a, generator=generator, dtype=torch.float64) / math.sqrt(a)
    # Exactly representable in float32, and nine digits round-trip a float32: the trainer starts from these very values.
    return {name: t.float().double() for name, t in weights.items()}


def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rope(x, base):
    """ggml's normal mode: consecutive pairs rotated by position * base^(-2i/head_dim). x: [T, H, hd]."""
    length, head_dim = x.shape[0], x.shape[-1]
    inverse = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    angle = torch.arange(length, dtype=torch.float64)[:, None] * inverse[None]
    cos, sin = angle.cos()[:, None, :], angle.sin()[:, None, :]
    even, odd = x[..., 0::2], x[..., 1::2]
    return torch.stack([even * cos - odd * sin, even * sin + odd * cos], -1).flatten(-2)


def logits_of(w, c, tokens):
    """Logits [T, n_vocab] of one unpadded sequence (padding never reaches real rows under a causal mask)."""
    length, hd = len(tokens), c["n_embd"] // c["n_head"]
    group = c["n_head"] // c["n_head_kv"]
    x = w["token_embd.weight"][torch.tensor(tokens)]
    causal = torch.triu(torch.ones(length, length, dtype=torch.bool), 1)
    for i in range(c["n_layer"]):
        b = f"blk.{i}."
        h = rms_norm(x, w[b + "attn_norm.weight"], c["rms_eps"])
        q = rope((h @ w[b + "attn_q.weight"].T).view(length, c["n_head"], hd), c["rope_freq_base"])
        k = rope((h @ w[b + "attn_k.weight"].T).view(length, c["n_head_kv"], hd), c["rope_freq_base"])
        v = (h @ w[b + "attn_v.weight"].T).view(length, c["n_head_kv"], hd)
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)  # query head h reads h // group
        scores = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(hd)
        mixed = torch.einsum("hqk,khd->qhd", scores.masked_fill(causal, float("-inf")).softmax(-1), v)
        x = x + mixed.reshape(length, c["n_embd"]) @ w[b + "attn_output.weight"].T
        h = rms_norm(x, w[b + "ffn_norm.weight"], c["rms_eps"])
        ff = F.silu(h @ w[b + "ffn_gate.weight"].T) * (h @ w[b + "ffn_up.weight"].T)
        x = x + ff @ w[b + "ffn_down.weight"].T
    return rms_norm(x, w["output_norm.weight"], c["rms_eps"]) @ w["output.weight"].T


def token_log_probs(w, c, example, select):
    """Log-probabilities of the tokens t >= 1 that `select(target[t])` picks, each predicted from row t - 1."""
    log_probs = logits_of(w, c, example["tokens"]).log_softmax(-1)
    return torch.stack([log_probs[t - 1, example["tokens"][t]] for t in range(1, len(example["tokens"]))
                        if select(example["target"][t])])


def sft_loss(w, c, prompt_weight=0.0):
    targets = torch.cat([token_log_probs(w, c, ex, lambda m: m != 0) for ex in BATCH])
    loss = -targets.mean()
    if prompt_weight > 0:
        loss = loss - prompt_weight * torch.cat([token_log_probs(w, c, ex, lambda m: m == 0) for ex in BATCH]).mean()
    return loss


def dpo_loss(w, c):
    sums = [token_log_probs(w, c, ex, lambda m: m != 0).sum() for ex in BATCH]
    losses = [F.softplus(-DPO_BETA * ((sums[2 * i] - sums[2 * i + 1]) - ref))
              for i, ref in enumerate(DPO_REFERENCE_MARGINS)]
    return torch.stack(losses).mean()


def rounded(values):
    """Nine significant digits: far below the tests' tolerance, and a third of the file."""
    return [float(f"{v:.9g}") for v in values]


def loss_and_gradients(weights, loss_fn):
    w = {name: t.clone().requires_grad_(True) for name, t in weights.items()}
    loss = loss_fn(w)
    loss.backward()
    return loss.item(), {name: rounded(t.grad.flatten().tolist()) for name, t in w.items()}


def adamw_steps(weights, c):
    """AdamW without weight decay, the global gradient norm clipped first, as lethe's trainer steps."""
    w = {name: t.clone().requires_grad_(True) for name, t in weights.items()}
    optimizer = torch.optim.AdamW(w.values(), lr=ADAMW["learning_rate"], betas=(ADAMW["beta1"], ADAMW["beta2"]),
                                  eps=ADAMW["epsilon"], weight_decay=0.0)
    losses = []
    for _ in range(ADAMW["steps"]):
        optimizer.zero_grad()
        loss = sft_loss(w, c)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(w.values(), ADAMW["clip_grad_norm"])
        optimizer.step()
        losses.append(loss.item())
    return losses, {name: rounded(t.detach().flatten().tolist()) for name, t in w.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="tests/train/data/reference_objective.json")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    c = CONFIG
    weights = random_weights(c, torch.Generator().manual_seed(args.seed))
    sft = loss_and_gradients(weights, lambda w: sft_loss(w, c))
    sft_prompt = loss_and_gradients(weights, lambda w: sft_loss(w, c, PROMPT_WEIGHT))
    dpo = loss_and_gradients(weights, lambda w: dpo_loss(w, c))
    adamw_losses, adamw_weights = adamw_steps(weights, c)
    shapes = dict(tensor_shapes(c))
    result = {
        "generator": "bench/trainer_reference.py (PyTorch {}, float64, seed {})".format(torch.__version__, args.seed),
        "hparams": c,
        "tensors": [{"name": n, "ne": shapes[n], "data": rounded(t.flatten().tolist())} for n, t in weights.items()],
        "batch": BATCH,
        "sft": {"loss": sft[0], "gradients": sft[1]},
        "sft_prompt_loss": {"prompt_weight": PROMPT_WEIGHT, "loss": sft_prompt[0], "gradients": sft_prompt[1]},
        "dpo": {"beta": DPO_BETA, "reference_margins": DPO_REFERENCE_MARGINS, "loss": dpo[0], "gradients": dpo[1]},
        "adamw": dict(ADAMW, losses=adamw_losses, weights=adamw_weights),
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")
    print(f"SFT loss {sft[0]:.6f}, with prompt loss {sft_prompt[0]:.6f}, DPO loss {dpo[0]:.6f}; wrote {args.out}")


if __name__ == "__main__":
    main()
