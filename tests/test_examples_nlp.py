"""Smoke tests for the NLP / sequence examples: each example's ``main(argv)`` run in-process
with tiny sizes (a few seconds each); the full runs are the programs themselves."""
import math
import os
import sys

import pytest

import ember.nn as nn
from conftest import data_root

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples"))

needs_shakespeare = pytest.mark.skipif(
    not os.path.exists(os.path.join(data_root(), "tinyshakespeare", "input.txt")),
    reason=f"tinyshakespeare/input.txt not found under {data_root()} (set EMBER_DATA)")


@pytest.fixture(autouse=True)
def _quiet_progress(monkeypatch):
    monkeypatch.setenv("EMBER_PROGRESS", "0")


@needs_shakespeare
def test_char_lm_lstm_smoke(tmp_path):
    import char_lm
    r = char_lm.main(["--data", data_root(), "--model", "lstm", "--limit-chars", "20000",
                      "--steps", "30", "--eval-interval", "15", "--eval-batches", "2",
                      "--batch-size", "16", "--block-size", "32", "--hidden", "64",
                      "--embed", "16", "--lr", "1e-2", "--sample-len", "30",
                      "--out", str(tmp_path)])
    # the unigram baseline of English text is around 3.3 nats/char; 30 steps already beat it
    assert 2.5 < r["baseline_loss"] < 4.2
    assert math.isfinite(r["val_loss"]) and r["val_loss"] < r["baseline_loss"]
    assert r["sample"].startswith("ROMEO:\n") and len(r["sample"]) == len("ROMEO:\n") + 30
    assert (tmp_path / "loss_lstm.png").exists()


@needs_shakespeare
@pytest.mark.skipif(not hasattr(nn, "TransformerEncoderLayer"),
                    reason="nn.TransformerEncoderLayer not available yet")
def test_char_lm_transformer_smoke(tmp_path):
    import char_lm
    r = char_lm.main(["--data", data_root(), "--model", "transformer", "--limit-chars",
                      "20000", "--steps", "80", "--eval-interval", "40", "--eval-batches",
                      "2", "--batch-size", "16", "--block-size", "32", "--d-model", "32",
                      "--heads", "2", "--layers", "1", "--lr", "5e-3", "--sample-len", "30",
                      "--prompt", "First", "--out", str(tmp_path)])
    assert math.isfinite(r["val_loss"]) and r["val_loss"] < r["baseline_loss"]
    assert r["sample"].startswith("First") and len(r["sample"]) == 35


def test_text_classifier_smoke(tmp_path):
    import text_classifier
    r = text_classifier.main(["--epochs", "8", "--out", str(tmp_path)])
    # 8 languages: chance is 12.5 %
    assert r["train_acc"] > 50 and r["test_acc"] > 25
    assert (tmp_path / "loss_gru.png").exists()


@pytest.mark.parametrize("rnn", ["rnn", "lstm"])
def test_text_classifier_other_cells_smoke(rnn, tmp_path):
    import text_classifier
    r = text_classifier.main(["--rnn", rnn, "--epochs", "2", "--hidden", "32",
                              "--bidirectional", "--out", ""])
    assert 0 <= r["test_acc"] <= 100 and math.isfinite(r["final_loss"])


def test_seq2seq_attention_smoke(tmp_path):
    import seq2seq_attention
    r = seq2seq_attention.main(["--steps", "40", "--eval-interval", "20", "--hidden", "64",
                                "--batch-size", "32", "--max-len", "6", "--test-size", "100",
                                "--out", str(tmp_path)])
    assert math.isfinite(r["final_loss"]) and r["final_loss"] < 2.0  # ln(13) ≈ 2.56 at start
    assert 0 <= r["exact_match"] <= 100
    r = seq2seq_attention.main(["--task", "sort", "--steps", "3", "--eval-interval", "3",
                                "--hidden", "16", "--test-size", "20", "--out", ""])
    assert 0 <= r["exact_match"] <= 100
