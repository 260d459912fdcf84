#!/usr/bin/env python3
"""An independent reference for lethe_recall_probe_bench's *recall* task, in PyTorch (Debian: python3-torch).

It rules the trainer in or out: the same llama shape (RMSNorm, RoPE in ggml's pairing, SwiGLU, no biases, PyTorch's
default initialisation), AdamW with the global norm clipped to 1, loss on the answer alone, and a fresh batch of prompts every
step (more than the C++ bench's fixed set gives). Words are tokens here, so every digit and direction is one token.
If this does not learn the task at a budget where `lethe train` does not either, the limit is the budget, not our
trainer. With --examples FILE (written by `lethe_recall_probe_bench --dump FILE`) it trains on the bench's own
tokens, examples and targets in file order, and scores its held-out prompts: then only the implementation differs.
--init pytorch keeps PyTorch's default initialisation (nn.Embedding N(0, 1), nn.Linear uniform); --init normal puts
every matrix at N(0, 0.02). Not part of the build or of CI. Usage:
    python3 bench/recall_probe_reference.py [--steps N] [--batch N] [--lr X] [--layers N] [--width N] [--heads N]
                                            [--init pytorch|normal] [--examples FILE] [--seed N] [--out FILE]
Prints held-out accuracy as it trains and writes JSON (default bench-results/recall_probe/reference.json).
"""
import argparse
import json
import math
import os
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DIRECTIONS = ["up", "down", "left", "right"]
WORDS = ["<bos>", "Constraints:", "do", "not", "enter", ".", "Observation:", "you", "are", "at", ";", ",",
         "Forbidden", "moves:"] + DIRECTIONS + [str(d) for d in range(10)]
TOKEN = {w: i for i, w in enumerate(WORDS)}


def make_prompt(rng):
    """The bench's recall prompt: four neighbours with distinct digit labels; the constraint names one of them."""
    digits = list(range(10))
    rng.shuffle(digits)
    slot = rng.randrange(4)
    words = ["<bos>", "Constraints:", "do", "not", "enter", str(digits[slot]), ".", "Observation:", "you", "are", "at",
             str(digits[4]), ";"]
    for i, direction in enumerate(DIRECTIONS):
        words += ([","] if i else []) + [direction, str(digits[i])]
    words += [".", "Forbidden", "moves:"]
    return [TOKEN[w] for w in words], TOKEN[DIRECTIONS[slot]]


class RmsNorm(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.weight


def rope(x):
    """Rotates consecutive pairs (ggml's normal mode) by position * 10000^(-2i/head_dim). x: [B, H, T, hd]."""
    head_dim, length = x.shape[-1], x.shape[-2]
    inverse = 10000.0 ** (-torch.arange(0, head_dim, 2).float() / head_dim)
    angle = torch.arange(length).float()[:, None] * inverse[None]
    cos, sin = angle.cos(), angle.sin()
    even, odd = x[..., 0::2], x[..., 1::2]
    return torch.stack([even * cos - odd * sin, even * sin + odd * cos], -1).flatten(-2)


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.attn_norm, self.ffn_norm = RmsNorm(width), RmsNorm(width)
        self.q, self.k, self.v, self.o = (nn.Linear(width, width, bias=False) for _ in range(4))
        hidden = (8 * width // 3 + 31) // 32 * 32  # as lethe's model_init
        self.gate, self.up = nn.Linear(width, hidden, bias=False), nn.Linear(width, hidden, bias=False)
        self.down = nn.Linear(hidden, width, bias=False)

    def forward(self, x):
        batch, length, width = x.shape
        head_dim = width // self.heads
        h = self.attn_norm(x)
        split = lambda t: t.view(batch, length, self.heads, head_dim).transpose(1, 2)
        q, k, v = rope(split(self.q(h))), rope(split(self.k(h))), split(self.v(h))
        scores = q @ k.transpose(-1, -2) / math.sqrt(head_dim)
        scores = scores.masked_fill(torch.triu(torch.ones(length, length, dtype=torch.bool), 1), float("-inf"))
        x = x + self.o((scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, width))
        h = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(nn.Module):
    def __init__(self, layers, width, heads, vocab, init):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.norm = RmsNorm(width)
        self.output = nn.Linear(width, vocab, bias=False)
        if init == "normal":
            for p in self.parameters():
                if p.dim() > 1:
                    nn.init.normal_(p, 0.0, 0.02)

    def forward(self, tokens, every_position=False):
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x)
        logits = self.output(self.norm(x))
        return logits if every_position else logits[:, -1, :]


def load_examples(path):
    """The bench's dump: training examples (tokens, target mask) and held-out prompts (tokens, answer, choices)."""
    train, heldout = [], []
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            (train if record["split"] == "train" else heldout).append(record)
    return train, heldout


def padded(sequences):
    length = max(len(s) for s in sequences)
    return torch.tensor([s + [0] * (length - len(s)) for s in sequences])


def dumped_batch_loss(model, batch):
    """Mean cross-entropy over every target token of the batch, each predicted from the token before it."""
    tokens = padded([ex["tokens"] for ex in batch])
    target = padded([ex["target"] for ex in batch]).bool()
    logits = model(tokens, every_position=True)
    return F.cross_entropy(logits[:, :-1][target[:, 1:]], tokens[:, 1:][target[:, 1:]])


def dumped_accuracy(model, heldout):
    right = 0
    with torch.no_grad():
        for length in {len(r["tokens"]) for r in heldout}:  # prompts of one length at a time
            group = [r for r in heldout if len(r["tokens"]) == length]
            logits = model(torch.tensor([r["tokens"] for r in group]))
            for row, record in zip(logits, group):
                choices = torch.tensor(record["choices"])
                right += int(choices[row[choices].argmax()].item() == record["answer"])
    return right / len(heldout)


def accuracy(model, prompts):
    with torch.no_grad():
        logits = model(torch.tensor([p for p, _ in prompts]))
        choices = torch.tensor([TOKEN[d] for d in DIRECTIONS])
        picked = choices[logits[:, choices].argmax(-1)]
        return (picked == torch.tensor([a for _, a in prompts])).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--width", type=int, default=96)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--init", choices=["pytorch", "normal"], default="pytorch")
    parser.add_argument("--examples", help="the bench's --dump file: train and score on its tokens")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="bench-results/recall_probe/reference.json")
    args = parser.parse_args()
    if min(args.steps, args.batch, args.layers, args.width, args.heads) < 1 or args.lr <= 0:
        parser.error("every number must be positive")
    if args.width % args.heads or (args.width // args.heads) % 2:
        parser.error("--width must be a multiple of --heads with an even head size")

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    if args.examples:
        train, dumped_heldout = load_examples(args.examples)
        vocab = 1 + max(max(max(ex["tokens"]) for ex in train), max(max(r["tokens"] + r["choices"]) for r in dumped_heldout))
        score = lambda m: dumped_accuracy(m, dumped_heldout)
        args.steps = min(args.steps, len(train) // args.batch)
    else:
        heldout = [make_prompt(rng) for _ in range(400)]
        vocab = len(WORDS)
        score = lambda m: accuracy(m, heldout)
    model = Model(args.layers, args.width, args.heads, vocab, args.init)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    curve, start = [], time.time()
    for step in range(1, args.steps + 1):
        if args.examples:
            loss = dumped_batch_loss(model, train[(step - 1) * args.batch:step * args.batch])
        else:
            prompts = [make_prompt(rng) for _ in range(args.batch)]
            loss = F.cross_entropy(model(torch.tensor([p for p, _ in prompts])),
                                   torch.tensor([a for _, a in prompts]))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 250 == 0 or step == args.steps:
            curve.append({"step": step, "sequences": step * args.batch, "loss": loss.item(),
                          "heldout_accuracy": score(model)})
            print(f"step {step}: loss {loss.item():.3f}, held-out accuracy {curve[-1]['heldout_accuracy']:.1%}",
                  flush=True)
    result = {"task": "recall", "config": vars(args), "vocab": vocab, "seconds": time.time() - start, "chance": 0.25, "curve": curve}
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
