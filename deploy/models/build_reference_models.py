#!/usr/bin/env python3
"""Builds RANDOM-WEIGHT TorchScript models with the real architectures of the seeds' three
Hugging Face emotion models, as model-repository entries, to measure what serving the real
models costs (latency, memory, file size). They are not trained: their outputs mean nothing.

    apt-get install python3-torch        # Debian's torch 1.13, the services' libtorch
    /usr/bin/python3 deploy/models/build_reference_models.py --out models/reference

Entries (same kinds, forward signatures and manifest fields as export_hf_models.py writes):

  text-emotion-distilroberta-ref  torchscript-text   DistilRoBERTa-base + RobertaClassificationHead (7)
  voice-emotion-wav2vec2-ref      torchscript-voice  wav2vec2-base + SUPERB-ER head (4)
  face-expression-vit-ref         torchscript-face   ViT-B/16 at 224 + linear classifier (7)

Architectures are written in plain torch.nn (no transformers), following the Hugging Face
implementations layer by layer, so that the parameter count and the operations per forward
match; the modules are compiled with torch.jit.script. Each manifest records the parameter
count and the analytic FLOPs (2 x multiply-accumulates of the matmuls and convolutions) of
the benchmark inputs as training metrics with split "analytic".
"""

import argparse
import math
import sys
import time
from pathlib import Path
from typing import List, Optional, Tuple

try:
    import torch
    import torch.nn.functional as F
    from torch import Tensor, nn
except ImportError:
    sys.exit("error: this script needs PyTorch 1.13: apt-get install python3-torch, then run it "
             "with Debian's /usr/bin/python3")

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_hf_models import (Msg, check_version_name, human_size, program_line,  # noqa: E402
                              refuse_existing, sha256_file, write_entry, write_manifest)

SEED = 20240601
REPO = Path(__file__).resolve().parents[2]
DEFAULT_TOKENIZER_DIR = REPO.parent / "shared" / "data" / "tokenizer" / "roberta-base"
# What HF fills masked attention scores with (torch.finfo(torch.float32).min).
MASK_FILL = -3.4028234663852886e38
RANDOM_DATA = "random weights (reference-size model for benchmarks; not a trained model)"


# ------------------------------------------------------------------------------------------
# Transformer blocks.
# ------------------------------------------------------------------------------------------

class SelfAttention(nn.Module):
    """Multi-head self-attention as in HF BERT/RoBERTa/ViT/wav2vec2: q, k, v and output
    projections with bias, softmax(q k^T / sqrt(d) + mask) v."""

    def __init__(self, hidden: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, hidden)

    def forward(self, x: Tensor, mask_bias: Optional[Tensor]) -> Tensor:
        b, t, d = x.size(0), x.size(1), x.size(2)
        q = self.query(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.key(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        v = self.value(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        if mask_bias is not None:
            scores = scores + mask_bias  # [B, 1, 1, T]: 0 or MASK_FILL per key
        probs = torch.softmax(scores, dim=-1)
        context = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, d)
        return self.out(context)


class PostLNLayer(nn.Module):
    """BERT/RoBERTa and wav2vec2-base (not "stable layer norm") encoder layer:
    x = LN(x + attn(x)); x = LN(x + W2 gelu(W1 x))."""

    def __init__(self, hidden: int, heads: int, ffn: int, eps: float):
        super().__init__()
        self.attention = SelfAttention(hidden, heads)
        self.attention_norm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, ffn)
        self.output = nn.Linear(ffn, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: Tensor, mask_bias: Optional[Tensor]) -> Tensor:
        x = self.attention_norm(x + self.attention(x, mask_bias))
        return self.output_norm(x + self.output(F.gelu(self.intermediate(x))))


class PreLNLayer(nn.Module):
    """ViT encoder layer: x = x + attn(LN(x)); x = x + W2 gelu(W1 LN(x))."""

    def __init__(self, hidden: int, heads: int, ffn: int, eps: float):
        super().__init__()
        self.layernorm_before = nn.LayerNorm(hidden, eps=eps)
        self.attention = SelfAttention(hidden, heads)
        self.layernorm_after = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, ffn)
        self.output = nn.Linear(ffn, hidden)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attention(self.layernorm_before(x), None)
        return x + self.output(F.gelu(self.intermediate(self.layernorm_after(x))))


# ------------------------------------------------------------------------------------------
# DistilRoBERTa + RobertaClassificationHead (j-hartmann/emotion-english-distilroberta-base).
# ------------------------------------------------------------------------------------------

class DistilRobertaClassifier(nn.Module):
    def __init__(self, labels: int, vocab: int = 50265, positions: int = 514, hidden: int = 768,
                 layers: int = 6, heads: int = 12, ffn: int = 3072, pad_id: int = 1):
        super().__init__()
        self.pad_id = pad_id
        self.mask_fill = MASK_FILL
        self.word_embeddings = nn.Embedding(vocab, hidden, padding_idx=pad_id)
        self.position_embeddings = nn.Embedding(positions, hidden, padding_idx=pad_id)
        self.token_type_embeddings = nn.Embedding(1, hidden)
        self.embeddings_norm = nn.LayerNorm(hidden, eps=1e-5)
        self.layers = nn.ModuleList([PostLNLayer(hidden, heads, ffn, 1e-5) for _ in range(layers)])
        self.head_dense = nn.Linear(hidden, hidden)   # RobertaClassificationHead.dense
        self.head_out = nn.Linear(hidden, labels)     # RobertaClassificationHead.out_proj

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tuple[Tensor, Tensor]:
        # RoBERTa's position ids: padding_idx + 1, +2, ... over non-pad tokens, padding_idx on
        # pads (create_position_ids_from_input_ids).
        not_pad = input_ids.ne(self.pad_id).to(torch.long)
        position_ids = torch.cumsum(not_pad, dim=1) * not_pad + self.pad_id
        x = (self.word_embeddings(input_ids)
             + self.token_type_embeddings(torch.zeros_like(input_ids))
             + self.position_embeddings(position_ids))
        x = self.embeddings_norm(x)
        mask_bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * self.mask_fill
        for layer in self.layers:
            x = layer(x, mask_bias)
        cls = x[:, 0, :]
        logits = self.head_out(torch.tanh(self.head_dense(cls)))
        return logits, cls


# ------------------------------------------------------------------------------------------
# wav2vec2-base + the SUPERB emotion head (superb/wav2vec2-base-superb-er).
# ------------------------------------------------------------------------------------------

CONV_KERNELS = [10, 3, 3, 3, 3, 2, 2]
CONV_STRIDES = [5, 2, 2, 2, 2, 2, 2]


class Wav2Vec2Classifier(nn.Module):
    def __init__(self, labels: int, conv_dim: int = 512, hidden: int = 768, layers: int = 12,
                 heads: int = 12, ffn: int = 3072, pos_kernel: int = 128, pos_groups: int = 16,
                 proj: int = 256):
        super().__init__()
        self.mask_fill = MASK_FILL
        self.kernels: List[int] = list(CONV_KERNELS)
        self.strides: List[int] = list(CONV_STRIDES)
        # Feature encoder: conv_bias false, group norm (one group per channel) on layer 0.
        self.convs = nn.ModuleList([
            nn.Conv1d(1 if i == 0 else conv_dim, conv_dim, k, stride=s, bias=False)
            for i, (k, s) in enumerate(zip(CONV_KERNELS, CONV_STRIDES))])
        self.conv0_norm = nn.GroupNorm(conv_dim, conv_dim, eps=1e-5, affine=True)
        # Feature projection.
        self.projection_norm = nn.LayerNorm(conv_dim, eps=1e-5)
        self.projection = nn.Linear(conv_dim, hidden)
        # Only used for SpecAugment in training; kept so the parameter count is the model's.
        self.masked_spec_embed = nn.Parameter(torch.empty(hidden).uniform_())
        # Positional conv embedding with weight norm over dim 2, as HF registers it: the
        # weight is recomputed from (g, v) on every forward, as in a traced HF export.
        self.pos_padding = pos_kernel // 2
        self.pos_groups = pos_groups
        self.pos_conv_weight_v = nn.Parameter(
            torch.randn(hidden, hidden // pos_groups, pos_kernel) * 0.02)
        self.pos_conv_weight_g = nn.Parameter(
            torch.norm_except_dim(self.pos_conv_weight_v.detach(), 2, 2).clone())
        self.pos_conv_bias = nn.Parameter(torch.zeros(hidden))
        self.encoder_norm = nn.LayerNorm(hidden, eps=1e-5)
        self.layers = nn.ModuleList([PostLNLayer(hidden, heads, ffn, 1e-5) for _ in range(layers)])
        # SUPERB head: softmax-weighted sum of the 13 hidden states (use_weighted_layer_sum),
        # projector 768 -> 256, mean over time, classifier 256 -> labels.
        self.layer_weights = nn.Parameter(torch.ones(layers + 1) / (layers + 1))
        self.projector = nn.Linear(hidden, proj)
        self.classifier = nn.Linear(proj, labels)

    def forward(self, input_values: Tensor, attention_mask: Tensor) -> Tuple[Tensor, Tensor]:
        x = input_values[:, None, :]
        i = 0
        for conv in self.convs:
            x = conv(x)
            if i == 0:
                x = self.conv0_norm(x)
            x = F.gelu(x)
            i += 1
        x = self.projection(self.projection_norm(x.transpose(1, 2)))  # [B, T, 768]

        # Frames covered by the mask (Wav2Vec2Model._get_feature_vector_attention_mask).
        lengths = attention_mask.sum(dim=-1)
        for j in range(len(self.kernels)):
            lengths = torch.div(lengths - self.kernels[j], self.strides[j], rounding_mode="floor") + 1
        frames = torch.arange(x.size(1), device=x.device)[None, :] < lengths[:, None]  # [B, T]
        keep = frames.to(x.dtype)[:, :, None]
        x = x * keep
        mask_bias = (1.0 - frames.to(x.dtype)[:, None, None, :]) * self.mask_fill  # [B, 1, 1, T]

        weight = torch._weight_norm(self.pos_conv_weight_v, self.pos_conv_weight_g, 2)
        pos = F.conv1d(x.transpose(1, 2), weight, self.pos_conv_bias,
                       padding=self.pos_padding, groups=self.pos_groups)
        pos = F.gelu(pos[:, :, :-1]).transpose(1, 2)  # Wav2Vec2SamePadLayer drops the last frame
        x = self.encoder_norm(x + pos)

        hidden_states = [x]
        for layer in self.layers:
            x = layer(x, mask_bias)
            hidden_states.append(x)
        weights = torch.softmax(self.layer_weights, dim=-1)
        summed = (torch.stack(hidden_states, dim=0) * weights[:, None, None, None]).sum(dim=0)
        count = keep.sum(dim=1).clamp(min=1.0)
        pooled = (self.projector(summed) * keep).sum(dim=1) / count
        logits = self.classifier(pooled)
        embedding = (x * keep).sum(dim=1) / count  # mean over time of the last hidden state
        return logits, embedding


# ------------------------------------------------------------------------------------------
# ViT-B/16 at 224 + linear classifier (trpakov/vit-face-expression).
# ------------------------------------------------------------------------------------------

class ViTClassifier(nn.Module):
    def __init__(self, labels: int, image: int = 224, patch: int = 16, hidden: int = 768,
                 layers: int = 12, heads: int = 12, ffn: int = 3072):
        super().__init__()
        tokens = (image // patch) ** 2 + 1
        self.patch_embeddings = nn.Conv2d(3, hidden, kernel_size=patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, hidden) * 0.02)
        self.position_embeddings = nn.Parameter(torch.randn(1, tokens, hidden) * 0.02)
        self.layers = nn.ModuleList([PreLNLayer(hidden, heads, ffn, 1e-12) for _ in range(layers)])
        self.layernorm = nn.LayerNorm(hidden, eps=1e-12)
        self.classifier = nn.Linear(hidden, labels)

    def forward(self, pixel_values: Tensor) -> Tuple[Tensor, Tensor]:
        x = self.patch_embeddings(pixel_values).flatten(2).transpose(1, 2)  # [B, 196, 768]
        cls = self.cls_token.expand(x.size(0), -1, -1)
        x = torch.cat([cls, x], dim=1) + self.position_embeddings
        for layer in self.layers:
            x = layer(x)
        x = self.layernorm(x)
        cls_out = x[:, 0, :]
        return self.classifier(cls_out), cls_out


# ------------------------------------------------------------------------------------------
# Analytic cost: multiply-accumulates of the matmuls and convolutions (norms, softmax,
# activations and embedding lookups are not counted); FLOPs = 2 x MACs.
# ------------------------------------------------------------------------------------------

def encoder_macs(tokens, layers, hidden=768, ffn=3072):
    per_layer = (4 * tokens * hidden * hidden        # q, k, v, output projections
                 + 2 * tokens * tokens * hidden      # q k^T and probs v, all heads
                 + 2 * tokens * hidden * ffn)        # feed-forward
    return layers * per_layer


def text_macs(tokens):
    return encoder_macs(tokens, 6) + 768 * 768 + 768 * 7  # + head on token 0


def voice_frames(samples):
    n = samples
    for k, s in zip(CONV_KERNELS, CONV_STRIDES):
        n = (n - k) // s + 1
    return n


def voice_macs(samples):
    macs, n, channels = 0, samples, 1
    for k, s in zip(CONV_KERNELS, CONV_STRIDES):
        n = (n - k) // s + 1
        macs += n * 512 * channels * k
        channels = 512
    t = n
    macs += t * 512 * 768                         # feature projection
    macs += (t + 1) * 768 * (768 // 16) * 128     # positional conv (padding 64: T + 1 outputs)
    macs += encoder_macs(t, 12)
    macs += t * 768 * 256 + 256 * 4               # projector on every frame, classifier
    return macs


def face_macs(image=224, patch=16):
    patches = (image // patch) ** 2
    return patches * 768 * 3 * patch * patch + encoder_macs(patches + 1, 12) + 768 * 7


# ------------------------------------------------------------------------------------------
# Building the entries.
# ------------------------------------------------------------------------------------------

def init_weights(module):
    """HF-style initialisation (normal, std 0.02; zero biases; unit LayerNorm)."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()
        elif isinstance(m, (nn.LayerNorm, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def text_inputs(lengths, vocab=50265, pad_id=1, gen=None):
    t = max(lengths)
    ids = torch.full((len(lengths), t), pad_id, dtype=torch.long)
    mask = torch.zeros((len(lengths), t), dtype=torch.long)
    for r, n in enumerate(lengths):
        body = torch.randint(4, vocab - 1, (n,), generator=gen)
        body[0], body[n - 1] = 0, 2  # <s> ... </s>
        ids[r, :n] = body
        mask[r, :n] = 1
    return ids, mask


def voice_inputs(batch, samples, gen=None):
    x = torch.randn(batch, samples, generator=gen)
    x = (x - x.mean(dim=1, keepdim=True)) / torch.sqrt(x.var(dim=1, unbiased=False, keepdim=True) + 1e-7)
    return x, torch.ones(batch, samples, dtype=torch.long)


def face_inputs(batch, size=224, gen=None):
    return (torch.rand(batch, 3, size, size, generator=gen) * 2 - 1,)


MODELS = {
    "text": {
        "name": "text-emotion-distilroberta-ref",
        "kind": "torchscript-text",
        "architecture": "DistilRoBERTa-base (6 layers, 768 hidden, 12 heads) + RobertaClassificationHead",
        "of": "j-hartmann/emotion-english-distilroberta-base",
        "labels": ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"],
        "embedding": "cls",
    },
    "voice": {
        "name": "voice-emotion-wav2vec2-ref",
        "kind": "torchscript-voice",
        "architecture": "wav2vec2-base (7 conv + 12 layers, 768 hidden) + SUPERB-ER head",
        "of": "superb/wav2vec2-base-superb-er",
        "labels": ["neutral", "happy", "angry", "sad"],
        "embedding": "mean-pooled",
    },
    "face": {
        "name": "face-expression-vit-ref",
        "kind": "torchscript-face",
        "architecture": "ViT-B/16 at 224 (12 layers, 768 hidden) + linear classifier",
        "of": "trpakov/vit-face-expression",
        "labels": ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"],
        "embedding": "cls",
    },
}


def make_model(kind):
    spec = MODELS[kind]
    labels = len(spec["labels"])
    if kind == "text":
        model = DistilRobertaClassifier(labels)
    elif kind == "voice":
        model = Wav2Vec2Classifier(labels)
    else:
        model = ViTClassifier(labels)
    init_weights(model)
    if kind == "voice":  # weight norm starts at g = ||v||, as weight_norm() sets it
        with torch.no_grad():
            model.pos_conv_weight_g.copy_(torch.norm_except_dim(model.pos_conv_weight_v, 2, 2))
    return model.eval()


def analytic(kind):
    """[(metric name, FLOPs)] for the benchmark inputs."""
    if kind == "text":
        return [("flops_text_64", 2 * text_macs(64)), ("flops_text_128", 2 * text_macs(128))]
    if kind == "voice":
        return [("flops_voice_5s", 2 * voice_macs(5 * 16000))]
    return [("flops_face_224", 2 * face_macs())]


def shape_checks(kind, gen):
    """(inputs, batch) pairs at two batch sizes and two lengths."""
    if kind == "text":
        return [(text_inputs([64], gen=gen), 1), (text_inputs([17, 128, 40], gen=gen), 3)]
    if kind == "voice":
        return [(voice_inputs(1, 80000, gen), 1), (voice_inputs(2, 24000, gen), 2)]
    return [(face_inputs(1, gen=gen), 1), (face_inputs(3, gen=gen), 3)]


def benchmark_inputs(kind, gen):
    if kind == "text":
        return text_inputs([64], gen=gen)
    if kind == "voice":
        return voice_inputs(1, 80000, gen)
    return face_inputs(1, gen=gen)


def input_spec(kind, tokenizer_dir, entry_dir):
    if kind == "text":
        for name in ("vocab.json", "merges.txt"):
            src = Path(tokenizer_dir) / name
            if not src.is_file():
                raise SystemExit("error: %s not found (--tokenizer-dir)" % src)
            (entry_dir / name).write_bytes(src.read_bytes())
        return ("tokenizer", Msg([
            ("vocab_file", "vocab.json"), ("merges_file", "merges.txt"), ("max_length", 512),
            ("add_prefix_space", False), ("lowercase", False),
            ("pad_token", "<pad>"), ("bos_token", "<s>"), ("eos_token", "</s>"), ("unk_token", "<unk>"),
        ]))
    if kind == "voice":
        return ("audio", Msg([
            ("sample_rate", 16000), ("do_normalize", True), ("return_attention_mask", False),
            ("max_seconds", 30.0), ("min_seconds", 0.1),
        ]))
    return ("image", Msg([
        ("size", 224), ("mean", [0.5, 0.5, 0.5]), ("std", [0.5, 0.5, 0.5]),
        ("rescale", 0.00392156862745098), ("channel_order", "RGB"),
    ]))


def time_forward(module, inputs, runs=5):
    with torch.inference_mode():
        for _ in range(2):
            module(*inputs)
        best = float("inf")
        for _ in range(runs):
            t0 = time.perf_counter()
            module(*inputs)
            best = min(best, time.perf_counter() - t0)
    return best


def build(kind, args, program):
    spec = MODELS[kind]
    started = time.time()
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    model = make_model(kind)
    params = sum(p.numel() for p in model.parameters())
    flops = analytic(kind)
    print("%s: %s, %s parameters" % (spec["name"], spec["architecture"], format(params, ",")))
    for name, value in flops:
        print("  %s = %.3f GFLOPs" % (name, value / 1e9))

    scripted = torch.jit.script(model)
    checks = shape_checks(kind, gen)
    with torch.inference_mode():  # scripted == eager before saving
        for inputs, _ in checks:
            a, b = model(*inputs), scripted(*inputs)
            d = max(float((x - y).abs().max()) for x, y in zip(a, b))
            if not d <= 1e-4:
                raise SystemExit("error: scripted and eager differ by %.3g" % d)

    if kind == "text":  # a padded sequence gives what it gives alone (the mask works)
        ids, mask = checks[1][0]
        with torch.inference_mode():
            padded = scripted(ids, mask)
            d = 0.0
            for r in range(ids.shape[0]):
                n = int(mask[r].sum())
                alone = scripted(ids[r:r + 1, :n], mask[r:r + 1, :n])
                d = max(d, float((padded[0][r] - alone[0][0]).abs().max()),
                        float((padded[1][r] - alone[1][0]).abs().max()))
        print("  padded vs alone: max |diff| %.2e" % d)
        if not d <= 1e-3:
            raise SystemExit("error: padding changes the output by %.3g" % d)

    def write(tmp):
        model_path = tmp / "model.pt"
        scripted.save(str(model_path))
        key, value = input_spec(kind, args.tokenizer_dir, tmp)
        metrics = [Msg([("name", n), ("value", float(v)), ("split", "analytic")]) for n, v in flops]
        metrics.append(Msg([("name", "parameters"), ("value", float(params)), ("split", "count")]))
        manifest = Msg([
            ("name", spec["name"]), ("version", args.version), ("kind", spec["kind"]),
            ("file", "model.pt"), ("sha256", sha256_file(model_path)),
            ("training", Msg([("seed", SEED), ("data", RANDOM_DATA), ("program", program),
                              ("metrics", metrics)])),
            ("torchscript", Msg([
                ("labels", spec["labels"]), ("embedding_dim", 768), ("embedding", spec["embedding"]),
                ("source", "random-weight reference of the architecture of %s (%s)"
                 % (spec["of"], spec["architecture"])),
                ("exported_with", "torch %s (torch.jit.script), no transformers" % torch.__version__),
                (key, value),
            ])),
        ])
        write_manifest(tmp / "manifest.textproto", manifest,
                       "Written by deploy/models/build_reference_models.py: RANDOM weights, for "
                       "benchmarks only; the sha256 guards the model file.")
        return model_path.stat().st_size

    final, size = write_entry(args.out, spec["name"], args.version, write, args.force)
    built = time.time() - started

    # The saved file, reloaded: right shapes at two batch sizes and two lengths, finite values.
    loaded = torch.jit.load(str(final / "model.pt"))
    loaded.eval()
    labels = len(spec["labels"])
    with torch.inference_mode():
        for inputs, batch in checks:
            logits, embedding = loaded(*inputs)
            if list(logits.shape) != [batch, labels] or list(embedding.shape) != [batch, 768]:
                raise SystemExit("error: %s gives logits %s, embedding %s for inputs %s"
                                 % (final, list(logits.shape), list(embedding.shape),
                                    [list(i.shape) for i in inputs]))
            if not (torch.isfinite(logits).all() and torch.isfinite(embedding).all()):
                raise SystemExit("error: %s gives non-finite outputs" % final)
            print("  reloaded, inputs %s -> logits %s, embedding %s"
                  % ([list(i.shape) for i in inputs], list(logits.shape), list(embedding.shape)))
    latency = time_forward(loaded, benchmark_inputs(kind, gen))
    print("  wrote %s: model.pt %s, built in %.1f s; one benchmark-input forward %.0f ms "
          "here (%d threads)" % (final, human_size(size), built, latency * 1e3,
                                 torch.get_num_threads()))
    return {"name": spec["name"], "params": params, "size": size, "flops": flops,
            "seconds": built, "latency": latency}


def main():
    p = argparse.ArgumentParser(
        description="Build random-weight TorchScript models with the real architectures of the "
                    "seeds' text, voice and face models, for benchmarks (not trained).")
    p.add_argument("--out", default="models/reference",
                   help="repository root for the entries (default: models/reference)")
    p.add_argument("--only", action="append", choices=sorted(MODELS),
                   help="build only this model (repeatable; default: all three)")
    p.add_argument("--version", default="1", help="version directory (a number; default: 1)")
    p.add_argument("--tokenizer-dir", default=str(DEFAULT_TOKENIZER_DIR),
                   help="where vocab.json and merges.txt are copied from (default: %(default)s)")
    p.add_argument("--force", action="store_true", help="replace existing entries")
    args = p.parse_args()
    check_version_name(args.version)
    if not torch.__version__.startswith("1.13"):
        print("warning: torch %s; the services' libtorch is 1.13 and may not load files written "
              "by a newer torch" % torch.__version__, file=sys.stderr)
    kinds = list(dict.fromkeys(args.only or ["text", "voice", "face"]))
    refuse_existing(args.out, [MODELS[k]["name"] for k in kinds], args.version, args.force)
    program = program_line(sys.argv[0])
    results = [build(kind, args, program) for kind in kinds]
    print("\n%-32s %12s %10s %8s  %s" % ("entry", "parameters", "model.pt", "build", "FLOPs per forward"))
    for r in results:
        print("%-32s %12s %10s %7.1fs  %s" % (
            r["name"], format(r["params"], ","), human_size(r["size"]), r["seconds"],
            ", ".join("%s %.2f G" % (n[len("flops_"):], v / 1e9) for n, v in r["flops"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
