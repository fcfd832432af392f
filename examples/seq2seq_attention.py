"""Sequence to sequence with attention: reverse (or sort) digit strings, on Ember.

The encoder-decoder of PyTorch's "NLP From Scratch: Translation with a Sequence to Sequence
Network and Attention" tutorial — a GRU encoder and a GRU decoder with Bahdanau (additive)
attention, trained with teacher forcing — on a toy task whose answers are checkable: map a
string of 3 to 10 digits to its reverse (``--task reverse``) or to its digits in sorted
order (``--task sort``). Batches are padded and the encoder reads them packed; the attention
ignores padding. Reports exact-match accuracy (whole output string right) on held-out
strings that never appear in training, and prints a few translations with their attention.

    python examples/seq2seq_attention.py --task reverse

With the defaults (seed 0, 1500 steps, a few minutes on 2 CPU cores) exact-match accuracy on
the 1000 held-out strings is about 98 % for both tasks.
"""
from __future__ import annotations

import argparse
import os
import random
import time

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from ember.utils.plot import plot_curves
from ember.utils.progress import progress

PAD, SOS, EOS = 0, 1, 2
DIGIT0 = 3               # token of digit d is DIGIT0 + d
VOCAB = DIGIT0 + 10


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------

def make_target(s: str, task: str) -> str:
    return s[::-1] if task == "reverse" else "".join(sorted(s))


def random_string(rng: random.Random, min_len: int, max_len: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(min_len, max_len)))


def to_batch(strings, task: str):
    """Strings → padded source ids (B, L), source lengths, padded target ids (B, L+1) with EOS."""
    width = max(len(s) for s in strings)
    src = torch.full((len(strings), width), PAD, dtype=torch.long)
    tgt = torch.full((len(strings), width + 1), PAD, dtype=torch.long)
    for i, s in enumerate(strings):
        src[i, :len(s)] = torch.tensor([DIGIT0 + int(c) for c in s])
        t = [DIGIT0 + int(c) for c in make_target(s, task)] + [EOS]
        tgt[i, :len(t)] = torch.tensor(t)
    return src, torch.tensor([len(s) for s in strings]), tgt


def decode(ids) -> str:
    out = []
    for i in ids:
        if i == EOS:
            break
        out.append(str(i - DIGIT0) if i >= DIGIT0 else "?")
    return "".join(out)


# --------------------------------------------------------------------------------------------
# model (the tutorial's EncoderRNN, BahdanauAttention, AttnDecoderRNN)
# --------------------------------------------------------------------------------------------

class EncoderRNN(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, dropout_p: float = 0.1):
        super().__init__()
        self.embedding = nn.Embedding(input_size, hidden_size, padding_idx=PAD)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, src, lengths):
        embedded = self.dropout(self.embedding(src))
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        output, hidden = self.gru(packed)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=src.size(1))
        return output, hidden


class BahdanauAttention(nn.Module):
    """score(q, k) = Va · tanh(Wa q + Ua k), softmax over the (unpadded) source positions."""

    def __init__(self, hidden_size: int):
        super().__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys, pad_mask=None):
        """query (B, 1, H), keys (B, L, H), pad_mask (B, L) True at padding →
        context (B, 1, H), weights (B, 1, L)."""
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        if pad_mask is not None:
            scores = scores.masked_fill(pad_mask.unsqueeze(1), float("-inf"))
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size: int, output_size: int, dropout_p: float = 0.1):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden, pad_mask, max_length: int,
                target_tensor=None, teacher_forcing: float = 1.0):
        """Decode ``max_length`` steps. With a target, each step's input is the true previous
        token with probability ``teacher_forcing`` (else the model's own greedy guess)."""
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS)
        decoder_hidden = encoder_hidden
        decoder_outputs, attentions = [], []
        for i in range(max_length):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(
                decoder_input, decoder_hidden, encoder_outputs, pad_mask)
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)
            if target_tensor is not None and random.random() < teacher_forcing:
                decoder_input = target_tensor[:, i].unsqueeze(1)  # teacher forcing
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()  # its own prediction
        decoder_outputs = F.log_softmax(torch.cat(decoder_outputs, dim=1), dim=-1)
        return decoder_outputs, decoder_hidden, torch.cat(attentions, dim=1)

    def forward_step(self, input, hidden, encoder_outputs, pad_mask):
        embedded = self.dropout(self.embedding(input))
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs, pad_mask)
        output, hidden = self.gru(torch.cat((embedded, context), dim=2), hidden)
        return self.out(output), hidden, attn_weights


class Seq2Seq(nn.Module):
    def __init__(self, hidden_size: int = 128, dropout_p: float = 0.1):
        super().__init__()
        self.encoder = EncoderRNN(VOCAB, hidden_size, dropout_p)
        self.decoder = AttnDecoderRNN(hidden_size, VOCAB, dropout_p)

    def forward(self, src, lengths, max_length: int, target=None, teacher_forcing: float = 1.0):
        encoder_outputs, encoder_hidden = self.encoder(src, lengths)
        return self.decoder(encoder_outputs, encoder_hidden, src == PAD, max_length, target,
                            teacher_forcing)


@torch.no_grad()
def exact_match(model, strings, task: str, batch_size: int = 500):
    """Fraction (in %) of strings whose greedy decoding equals the target exactly."""
    model.eval()
    correct, examples = 0, []
    for i in range(0, len(strings), batch_size):
        chunk = strings[i:i + batch_size]
        src, lengths, _ = to_batch(chunk, task)
        out, _, attn = model(src, lengths, src.size(1) + 1)
        preds = out.argmax(-1).tolist()
        for s, p in zip(chunk, preds):
            guess = decode(p)
            correct += guess == make_target(s, task)
            if len(examples) < 5:
                examples.append((s, guess))
    model.train()
    return 100.0 * correct / len(strings), examples, attn


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=("reverse", "sort"), default="reverse")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--teacher-forcing", type=float, default=0.5,
                    help="probability of feeding the true previous token to the decoder")
    ap.add_argument("--min-len", type=int, default=3)
    ap.add_argument("--max-len", type=int, default=10)
    ap.add_argument("--test-size", type=int, default=1000)
    ap.add_argument("--eval-interval", type=int, default=250)
    ap.add_argument("--out", default="runs/seq2seq_attention", help="where the plot goes")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    rng = random.Random(args.seed)

    test_strings = {}  # a dict keeps the strings unique and in the order drawn
    while len(test_strings) < args.test_size:
        test_strings[random_string(rng, args.min_len, args.max_len)] = None
    test_strings = list(test_strings)

    def train_batch():
        batch = []
        while len(batch) < args.batch_size:
            s = random_string(rng, args.min_len, args.max_len)
            if s not in test_strings_set:  # held-out strings never appear in training
                batch.append(s)
        return to_batch(batch, args.task)

    test_strings_set = set(test_strings)
    model = Seq2Seq(args.hidden, args.dropout)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.NLLLoss(ignore_index=PAD)
    print(f"task {args.task}: strings of {args.min_len}-{args.max_len} digits, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters, "
          f"{len(test_strings)} held-out test strings")

    losses, accs = [], []
    running, count, acc, t0 = 0.0, 0, 0.0, time.perf_counter()
    bar = progress(range(1, args.steps + 1), desc=f"seq2seq {args.task}", unit="step")
    for step in bar:
        src, lengths, tgt = train_batch()
        out, _, _ = model(src, lengths, tgt.size(1), tgt, args.teacher_forcing)
        loss = criterion(out.reshape(-1, VOCAB), tgt.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running += loss.item()
        count += 1
        if step % args.eval_interval == 0 or step == args.steps:
            acc, _, _ = exact_match(model, test_strings, args.task)
            losses.append(running / count)
            accs.append(acc)
            running, count = 0.0, 0
            bar.set_postfix(loss=f"{losses[-1]:.4f}", exact=f"{acc:.1f}%")
    bar.close()

    acc, examples, _ = exact_match(model, test_strings, args.task)
    print(f"{args.task}: exact-match accuracy {acc:.1f} % on {len(test_strings)} held-out "
          f"strings after {args.steps} steps ({time.perf_counter() - t0:.0f} s)")
    for s, guess in examples:
        mark = "ok" if guess == make_target(s, args.task) else "WRONG"
        print(f"  {s:>{args.max_len}s} → {guess:<{args.max_len}s} {mark}")

    # where the decoder looked for each output character of one example
    src, lengths, _ = to_batch([examples[0][0]], args.task)
    model.eval()
    with torch.no_grad():
        out, _, attn = model(src, lengths, src.size(1) + 1)
    print(f"attention for {examples[0][0]!r} (rows: output characters, columns: input):")
    for j, ch in enumerate(decode(out.argmax(-1)[0].tolist())):
        print(f"  {ch}: " + " ".join(f"{w:.2f}" for w in attn[0, j].tolist()))

    if args.out:
        png = plot_curves({"train loss": losses},
                          os.path.join(args.out, f"loss_{args.task}.png"),
                          xlabel=f"x{args.eval_interval} steps",
                          title=f"seq2seq with attention ({args.task})")
        if png:
            print(f"loss curve written to {png}")
    return {"exact_match": acc, "final_loss": losses[-1] if losses else float("nan")}


if __name__ == "__main__":
    main()
