#!/usr/bin/env python3
"""Exports the seeds' three Hugging Face emotion models as TorchScript model-repository entries.

Run it on a machine WITH internet access and `transformers` (see deploy/models/README.md):

    pip install torch==1.13.1 transformers==4.30.2 "numpy<2" "huggingface_hub<0.26" pillow
    python3 deploy/models/export_hf_models.py --out models

It writes, for each model, `<out>/<name>/<version>/` holding `model.pt` (TorchScript),
`manifest.textproto` (a burnout.v1.ModelManifest, see proto/burnout/v1/model.proto) and, for
the text model, the tokenizer's `vocab.json` and `merges.txt`:

  text   j-hartmann/emotion-english-distilroberta-base -> text-emotion-distilroberta  (torchscript-text)
  voice  superb/wav2vec2-base-superb-er                -> voice-emotion-wav2vec2      (torchscript-voice)
  face   trpakov/vit-face-expression                   -> face-expression-vit         (torchscript-face)

Every exported module's forward has exactly the signature model.proto documents for its kind
and returns (logits [B, L], embedding [B, D]); the services apply the softmax themselves.

The services load these files with Debian's libtorch 1.13, and TorchScript written by a newer
torch may not load there, so the script refuses to run under any torch but 1.13.x unless
--allow-torch-version is given.

torch and transformers are imported inside the functions, so --help works without them.
"""

import argparse
import hashlib
import math
import os
import re
import shlex
import shutil
import sys
import time
import warnings
from pathlib import Path

PIP_COMMAND = 'pip install torch==1.13.1 transformers==4.30.2 "numpy<2" "huggingface_hub<0.26" pillow'
TOLERANCE = 1e-4          # traced vs eager, and traced vs the transformers pipeline
PADDING_TOLERANCE = 1e-3  # a padded text vs the same text alone (different matmul shapes)

MODELS = {
    "text": {
        "hf_id": "j-hartmann/emotion-english-distilroberta-base",
        "name": "text-emotion-distilroberta",
        "kind": "torchscript-text",
        "expected_labels": ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"],
    },
    "voice": {
        "hf_id": "superb/wav2vec2-base-superb-er",
        "name": "voice-emotion-wav2vec2",
        "kind": "torchscript-voice",
        "expected_labels": ["neu", "hap", "ang", "sad"],
        # IEMOCAP's abbreviations, written under the names the default voice model and the
        # fusion model's voice slot use, so fusion reads this model's emotions unchanged.
        "rename_labels": {"neu": "neutral", "hap": "happy", "ang": "angry", "sad": "sad"},
    },
    "face": {
        "hf_id": "trpakov/vit-face-expression",
        "name": "face-expression-vit",
        "kind": "torchscript-face",
        "expected_labels": ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"],
    },
}

AUDIO_MAX_SECONDS = 30.0
AUDIO_MIN_SECONDS = 0.1


# ------------------------------------------------------------------------------------------
# Shared with build_reference_models.py: text-format manifests and atomic entry writing.
# ------------------------------------------------------------------------------------------

class Msg(list):
    """A text-format message: a list of (field, value) pairs, written in this order. A value
    is a str, bool, int, float, Msg, or a list of those (a repeated field); None is skipped."""


def _escape(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\%03o" % ord(ch))
        else:
            out.append(ch)  # UTF-8 is valid inside text-format strings
    return "".join(out)


def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise ValueError("a manifest value is not finite: %r" % v)
        return repr(v)
    if isinstance(v, str):
        return '"' + _escape(v) + '"'
    raise TypeError("cannot write %r in a text proto" % (v,))


def text_proto(msg, indent=0):
    pad = " " * indent
    lines = []
    for key, value in msg:
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) and not isinstance(value, Msg) else [value]
        for v in values:
            if isinstance(v, Msg):
                lines.append("%s%s {" % (pad, key))
                lines.extend(text_proto(v, indent + 2))
                lines.append("%s}" % pad)
            else:
                lines.append("%s%s: %s" % (pad, key, _scalar(v)))
    return lines


def write_manifest(path, manifest, header):
    text = "# " + header + "\n" + "\n".join(text_proto(manifest)) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_version_name(version):
    if not re.fullmatch(r"[0-9]+", version):
        raise SystemExit("error: --version must be a number (the services serve the highest "
                         "numeric version directory), got %r" % version)


def refuse_existing(out_root, names, version, force):
    """Fails early, before any work, when an entry to be written exists (and not --force)."""
    for name in names:
        final = Path(out_root) / name / version
        if final.exists() and not force:
            raise SystemExit("error: %s already exists; pass --force to replace it, or write "
                             "another --version" % final)


def write_entry(out_root, name, version, build, force):
    """Builds an entry in a hidden temporary directory beside it (build(tmp_dir) writes the
    files), then renames it into `<out_root>/<name>/<version>`, so a service watching
    `<out_root>/<name>` never sees a half-written version."""
    final = Path(out_root) / name / version
    if final.exists() and not force:
        raise SystemExit("error: %s already exists; pass --force to replace it" % final)
    tmp = Path(out_root) / name / (".tmp-%s-%d" % (version, os.getpid()))
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        result = build(tmp)
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final, result


def program_line(script_path):
    """The command line that is running, with the script path relative to the repository."""
    repo = Path(__file__).resolve().parents[2]
    script = Path(script_path).resolve()
    try:
        shown = str(script.relative_to(repo))
    except ValueError:
        shown = str(script_path)
    return " ".join(shlex.quote(a) for a in [shown] + sys.argv[1:])


def human_size(n):
    return "%.1f MB" % (n / 1e6)


# ------------------------------------------------------------------------------------------
# The export.
# ------------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Export the seeds' Hugging Face emotion models (text, voice, face) as "
                    "TorchScript model-repository entries for the burnout services. Needs "
                    "internet, torch 1.13.x and transformers; install a matching set with: "
                    + PIP_COMMAND)
    p.add_argument("--out", default="models",
                   help="model repository root; entries go to <out>/<name>/<version>/ (default: models)")
    p.add_argument("--only", action="append", choices=sorted(MODELS),
                   help="export only this model (repeatable; default: all three)")
    p.add_argument("--version", default="1",
                   help="version directory to write (a number; default: 1)")
    p.add_argument("--revision", action="append", default=[], metavar="KIND=REV",
                   help="Hugging Face revision (branch, tag or commit) for one model, e.g. "
                        "text=main or voice=<commit sha> (repeatable; default: main, "
                        "recorded as the commit it resolved to)")
    p.add_argument("--allow-torch-version", action="store_true",
                   help="run under a torch other than 1.13.x (the files may then not load in "
                        "the services' libtorch 1.13)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing <out>/<name>/<version>/")
    args = p.parse_args(argv)
    check_version_name(args.version)
    revisions = {}
    for item in args.revision:
        kind, sep, rev = item.partition("=")
        if not sep or kind not in MODELS or not rev:
            p.error("--revision takes KIND=REV with KIND one of %s, got %r"
                    % (", ".join(sorted(MODELS)), item))
        revisions[kind] = rev
    args.revisions = revisions
    return args


def require_libraries(allow_torch_version):
    try:
        import torch
    except ImportError:
        print("error: torch is not installed. Install a set matching the services' libtorch "
              "1.13 (Python 3.8-3.10):\n  " + PIP_COMMAND, file=sys.stderr)
        sys.exit(2)
    if not torch.__version__.startswith("1.13"):
        if not allow_torch_version:
            print("error: torch %s is installed, but the services load models with Debian's "
                  "libtorch 1.13, which may not load TorchScript written by a newer torch.\n"
                  "Install a matching set (Python 3.8-3.10) in a virtualenv:\n  %s\n"
                  "or pass --allow-torch-version to export anyway."
                  % (torch.__version__, PIP_COMMAND), file=sys.stderr)
            sys.exit(2)
        print("warning: exporting with torch %s (--allow-torch-version); the file may not load "
              "in libtorch 1.13" % torch.__version__, file=sys.stderr)
    try:
        import transformers
    except ImportError:
        print("error: transformers is not installed:\n  " + PIP_COMMAND, file=sys.stderr)
        sys.exit(2)
    if not transformers.__version__.startswith("4.30."):
        print("note: transformers %s (the script was written against 4.30.2)"
              % transformers.__version__, file=sys.stderr)
    return torch, transformers


def resolve_revision(hf_id, revision):
    """The commit `revision` points at, and the license on the model card."""
    import huggingface_hub
    try:
        info = huggingface_hub.HfApi().model_info(hf_id, revision=revision or "main")
    except Exception as e:  # offline, unknown repo or revision
        if revision and re.fullmatch(r"[0-9a-f]{40}", revision):
            print("warning: could not ask the Hub about %s (%s); using commit %s as given"
                  % (hf_id, e, revision), file=sys.stderr)
            return revision, None
        raise SystemExit("error: cannot resolve %s@%s on the Hugging Face Hub: %s"
                         % (hf_id, revision or "main", e))
    license_name = None
    for tag in getattr(info, "tags", None) or []:
        if tag.startswith("license:"):
            license_name = tag[len("license:"):]
    if license_name is None:
        card = getattr(info, "card_data", None) or getattr(info, "cardData", None)
        if card is not None:
            get = card.get if hasattr(card, "get") else (lambda k, d=None: getattr(card, k, d))
            license_name = get("license", None)
    if isinstance(license_name, list):
        license_name = ", ".join(license_name)
    return info.sha, license_name


def make_wrappers(torch):
    """The nn.Modules that give each kind exactly model.proto's forward signature."""

    class TextWrapper(torch.nn.Module):
        # forward(input_ids: int64 [B, T], attention_mask: int64 [B, T])
        #   -> (logits [B, L], final hidden state of token 0 (<s>) [B, 768])
        # The base model and the classification head are called explicitly; this is exactly
        # what RobertaForSequenceClassification.forward does (the head reads token 0).
        def __init__(self, model):
            super().__init__()
            self.base = getattr(model, model.base_model_prefix)
            self.classifier = model.classifier

        def forward(self, input_ids, attention_mask):
            # token_type_ids given explicitly (all zero, RoBERTa has one type) instead of the
            # model slicing its registered buffer to the sequence length.
            outputs = self.base(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=torch.zeros_like(input_ids), return_dict=False)
            hidden = outputs[0]
            return self.classifier(hidden), hidden[:, 0, :]

    class VoiceWrapper(torch.nn.Module):
        # forward(input_values: float32 [B, N], attention_mask: int64 [B, N])
        #   -> (logits [B, L], mean over time of the last hidden state [B, 768])
        # The logits come from Wav2Vec2ForSequenceClassification.forward itself (with the
        # SUPERB weighted layer sum when the config uses it), so they equal the pipeline's.
        # When the feature extractor does not return an attention mask (group-norm
        # wav2vec2-base), the pipeline passes none, so neither does this: the mask input is
        # then accepted and ignored, and the services send all ones (equal-length batches).
        def __init__(self, model, use_mask):
            super().__init__()
            self.model = model
            self.use_mask = use_mask

        def forward(self, input_values, attention_mask):
            if self.use_mask:
                out = self.model(input_values, attention_mask=attention_mask,
                                 output_hidden_states=True, return_dict=True)
                last = out.hidden_states[-1]
                frames = self.model._get_feature_vector_attention_mask(last.shape[1], attention_mask)
                m = frames.to(last.dtype).unsqueeze(-1)
                embedding = (last * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
            else:
                out = self.model(input_values, output_hidden_states=True, return_dict=True)
                embedding = out.hidden_states[-1].mean(dim=1)
            return out.logits, embedding

    class FaceWrapper(torch.nn.Module):
        # forward(pixel_values: float32 [B, 3, S, S])
        #   -> (logits [B, L], token 0 (CLS) after the final layernorm [B, 768])
        # As ViTForImageClassification.forward: classifier(sequence_output[:, 0, :]).
        def __init__(self, model):
            super().__init__()
            self.base = getattr(model, model.base_model_prefix)
            self.classifier = model.classifier

        def forward(self, pixel_values):
            hidden = self.base(pixel_values, return_dict=False)[0]
            cls = hidden[:, 0, :]
            return self.classifier(cls), cls

    return TextWrapper, VoiceWrapper, FaceWrapper


def labels_of(config, expected):
    labels = [str(config.id2label[i]) for i in range(config.num_labels)]
    if labels != expected:
        print("  note: the config's labels %s differ from the expected %s; writing the config's"
              % (labels, expected), file=sys.stderr)
    if len(set(labels)) != len(labels) or any(not l for l in labels):
        raise SystemExit("error: the model's labels are empty or repeated: %s" % labels)
    return labels


def max_abs_diff(a, b):
    return max(float((x - y).abs().max()) for x, y in zip(a, b))


def trace(torch, wrapper, example, checks):
    """Traces `wrapper` on `example`, then runs traced and eager on every input set in
    `checks` (other batch sizes and lengths): a trace that baked in a shape fails here."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", torch.jit.TracerWarning)
        with torch.no_grad():
            traced = torch.jit.trace(wrapper, example, check_trace=True)
    seen = set()
    for w in caught:
        if issubclass(w.category, torch.jit.TracerWarning):
            msg = str(w.message).splitlines()[0]
            if msg not in seen:
                seen.add(msg)
                print("  tracer warning: %s (%s:%s)" % (msg, os.path.basename(w.filename), w.lineno))
    worst = 0.0
    with torch.no_grad():
        for inputs in [example] + list(checks):
            eager = wrapper(*inputs)
            got = traced(*inputs)
            for e, g in zip(eager, got):
                if e.shape != g.shape:
                    raise SystemExit("error: the traced module gives shape %s where the eager one "
                                     "gives %s (inputs %s): the trace is tied to its example's "
                                     "shapes" % (list(g.shape), list(e.shape),
                                                 [list(i.shape) for i in inputs]))
            d = max_abs_diff(eager, got)
            print("  traced vs eager, inputs %s: max |diff| %.2e"
                  % ([list(i.shape) for i in inputs], d))
            if not d <= TOLERANCE:
                raise SystemExit("error: traced and eager outputs differ by %.3g (> %g)" % (d, TOLERANCE))
            worst = max(worst, d)
    return traced, worst


def check_saved(torch, path, example, labels, dim):
    loaded = torch.jit.load(str(path))
    loaded.eval()
    with torch.no_grad():
        logits, embedding = loaded(*example)
    b = example[0].shape[0]
    if list(logits.shape) != [b, labels] or list(embedding.shape) != [b, dim]:
        raise SystemExit("error: %s reloaded gives logits %s and embedding %s; expected [%d, %d] "
                         "and [%d, %d]" % (path, list(logits.shape), list(embedding.shape),
                                           b, labels, b, dim))
    if not (torch.isfinite(logits).all() and torch.isfinite(embedding).all()):
        raise SystemExit("error: %s reloaded gives non-finite outputs" % path)
    print("  reloaded %s: logits %s, embedding %s" % (path.name, list(logits.shape), list(embedding.shape)))


def compare_scores(what, pipeline_out, ours, labels):
    """pipeline_out: [{label, score}, ...] (maybe nested once); ours: 1-D tensor by label."""
    if pipeline_out and isinstance(pipeline_out[0], list):
        pipeline_out = pipeline_out[0]
    scores = {d["label"]: float(d["score"]) for d in pipeline_out}
    if sorted(scores) != sorted(labels):
        raise SystemExit("error: the %s pipeline returned labels %s; expected %s"
                         % (what, sorted(scores), sorted(labels)))
    d = max(abs(scores[l] - float(ours[i])) for i, l in enumerate(labels))
    print("  traced vs transformers %s pipeline: max |diff| %.2e" % (what, d))
    if not d <= TOLERANCE:
        raise SystemExit("error: the traced model and the %s pipeline differ by %.3g" % (what, d))
    return d


def export_text(torch, transformers, spec, sha, out_dir, wrappers):
    hf_id = spec["hf_id"]
    tokenizer = transformers.AutoTokenizer.from_pretrained(hf_id, revision=sha)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(hf_id, revision=sha)
    model.eval()
    config = model.config
    labels = labels_of(config, spec["expected_labels"])
    if getattr(config, "problem_type", None) == "multi_label_classification":
        print("  note: the config says multi-label; the services apply a softmax", file=sys.stderr)
    dim = int(config.hidden_size)
    wrapper = wrappers[0](model).eval()

    def batch(texts):
        enc = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        return (enc["input_ids"].to(torch.long), enc["attention_mask"].to(torch.long))

    example = batch(["I can't keep up with everything at work and I'm exhausted.", "Fine, thanks."])
    if int(example[1].sum(dim=1).min()) == int(example[1].shape[1]):
        raise SystemExit("error: the example texts tokenised to equal lengths; the trace needs padding")
    long_text = ("Another week of late nights, missed deadlines and meetings about meetings; "
                 "I used to love this job, but lately I dread opening my laptop every morning "
                 "and I feel numb by the afternoon. ") * 3
    checks = [batch(["Wow, I did not see that coming!", "This is disgusting.",
                     "I'm scared I'll lose my job if I say anything."]),
              batch([long_text]),
              batch(["ok"])]
    traced, worst = trace(torch, wrapper, example, checks)

    # The service pads a batch to its longest text: a padded text must give what it gives alone.
    with torch.no_grad():
        padded = traced(*checks[0])
        pad_diff = 0.0
        for i in range(checks[0][0].shape[0]):
            n = int(checks[0][1][i].sum())
            alone = traced(checks[0][0][i:i + 1, :n], checks[0][1][i:i + 1, :n])
            pad_diff = max(pad_diff, max_abs_diff([padded[0][i:i + 1], padded[1][i:i + 1]], alone))
    print("  padded vs alone: max |diff| %.2e" % pad_diff)
    if not pad_diff <= PADDING_TOLERANCE:
        raise SystemExit("error: padding changes the text model's output by %.3g" % pad_diff)

    # The logits must be the transformers pipeline's (function_to_apply="none": raw logits).
    pipe = transformers.pipeline("text-classification", model=model, tokenizer=tokenizer)
    sentences = ["I'm so tired of all of this.", "What a lovely surprise, thank you!"]
    pipe_diff = 0.0
    for s in sentences:
        ours = traced(*batch([s]))[0][0]
        pipe_diff = max(pipe_diff, compare_scores("text-classification",
                                                  pipe(s, top_k=None, function_to_apply="none"),
                                                  ours, labels))

    model_path = out_dir / "model.pt"
    traced.save(str(model_path))
    saved = tokenizer.save_vocabulary(str(out_dir))
    names = sorted(Path(f).name for f in saved)
    if names != ["merges.txt", "vocab.json"]:
        raise SystemExit("error: the tokenizer saved %s; expected vocab.json and merges.txt" % names)
    check_saved(torch, model_path, example, len(labels), dim)

    max_length = int(tokenizer.model_max_length)
    positions = int(config.max_position_embeddings) - int(config.pad_token_id) - 1
    if max_length <= 0 or max_length > positions:
        max_length = positions  # 514 positions, starting after padding_idx 1: 512 tokens
    ts = Msg([
        ("labels", labels), ("embedding_dim", dim), ("embedding", "cls"),
        ("tokenizer", Msg([
            ("vocab_file", "vocab.json"), ("merges_file", "merges.txt"),
            ("max_length", max_length),
            ("add_prefix_space", bool(getattr(tokenizer, "add_prefix_space", False))),
            ("lowercase", bool(getattr(tokenizer, "do_lower_case", False))),
            ("pad_token", str(tokenizer.pad_token)), ("bos_token", str(tokenizer.bos_token)),
            ("eos_token", str(tokenizer.eos_token)), ("unk_token", str(tokenizer.unk_token)),
        ])),
    ])
    metrics = [("max_abs_diff_traced_vs_eager", worst, "export check (batches of 1-3, 3-100+ tokens)"),
               ("max_abs_diff_padded_vs_alone", pad_diff, "export check"),
               ("max_abs_diff_logits_vs_pipeline", pipe_diff, "export check (2 sentences)")]
    return model_path, ts, metrics


def export_voice(torch, transformers, spec, sha, out_dir, wrappers):
    import numpy as np
    hf_id = spec["hf_id"]
    fe = transformers.AutoFeatureExtractor.from_pretrained(hf_id, revision=sha)
    model = transformers.AutoModelForAudioClassification.from_pretrained(hf_id, revision=sha)
    model.eval()
    config = model.config
    labels = labels_of(config, spec["expected_labels"])
    labels = [spec["rename_labels"].get(l, l) for l in labels]
    dim = int(config.hidden_size)
    rate = int(fe.sampling_rate)
    do_normalize = bool(getattr(fe, "do_normalize", False))
    fe_mask = bool(getattr(fe, "return_attention_mask", False))
    group_norm = getattr(config, "feat_extract_norm", "") == "group"
    # The model is called with the mask exactly when the pipeline would pass one. The
    # manifest's return_attention_mask tells the services whether padding inside a batch is
    # safe; for group-norm models it is not, whatever the extractor says.
    manifest_mask = fe_mask and not group_norm
    if fe_mask and group_norm:
        print("  note: the feature extractor returns an attention mask, but the model uses "
              "group norm: the manifest says return_attention_mask false so batches group "
              "equal lengths", file=sys.stderr)
    print("  feature extractor: sampling_rate %d, do_normalize %s, return_attention_mask %s, "
          "feat_extract_norm %s" % (rate, do_normalize, fe_mask, config.feat_extract_norm))
    wrapper = wrappers[1](model, fe_mask).eval()

    rng = np.random.default_rng(7)

    def utterance(seconds, f0):
        t = np.arange(int(seconds * rate)) / rate
        x = 0.3 * np.sin(2 * np.pi * f0 * t) + 0.05 * rng.standard_normal(t.shape)
        return x.astype(np.float32)

    def batch(clips):
        enc = fe(clips, sampling_rate=rate, padding=True, return_tensors="pt")
        values = enc["input_values"].to(torch.float32)
        mask = enc.get("attention_mask")
        if mask is None:
            if len({len(c) for c in clips}) != 1:
                raise AssertionError("clips of different lengths without an attention mask")
            mask = torch.ones(values.shape, dtype=torch.long)
        return (values, mask.to(torch.long))

    if fe_mask:  # the kind allows different lengths in one batch
        example = batch([utterance(1.0, 140), utterance(0.6, 220)])
        checks = [batch([utterance(2.3, 180)]),
                  batch([utterance(0.5, 120), utterance(1.7, 200), utterance(0.9, 260)])]
    else:
        example = batch([utterance(1.0, 140), utterance(1.0, 220)])
        checks = [batch([utterance(2.3, 180)]),
                  batch([utterance(0.5, 120), utterance(0.5, 200), utterance(0.5, 260)])]
    traced, worst = trace(torch, wrapper, example, checks)

    pipe = transformers.pipeline("audio-classification", model=model, feature_extractor=fe)
    pipe_diff = 0.0
    for clip in [utterance(1.4, 160), utterance(3.0, 240)]:
        ours = torch.softmax(traced(*batch([clip]))[0][0], dim=-1)
        pipe_diff = max(pipe_diff, compare_scores("audio-classification",
                                                  pipe(clip, top_k=len(labels)), ours, labels))

    model_path = out_dir / "model.pt"
    traced.save(str(model_path))
    check_saved(torch, model_path, example, len(labels), dim)
    ts = Msg([
        ("labels", labels), ("embedding_dim", dim), ("embedding", "mean-pooled"),
        ("audio", Msg([
            ("sample_rate", rate), ("do_normalize", do_normalize),
            ("return_attention_mask", manifest_mask),
            ("max_seconds", AUDIO_MAX_SECONDS), ("min_seconds", AUDIO_MIN_SECONDS),
        ])),
    ])
    metrics = [("max_abs_diff_traced_vs_eager", worst, "export check (batches of 1-3, 0.5-2.3 s)"),
               ("max_abs_diff_probabilities_vs_pipeline", pipe_diff, "export check (2 clips)")]
    return model_path, ts, metrics


def export_face(torch, transformers, spec, sha, out_dir, wrappers):
    import numpy as np
    from PIL import Image
    hf_id = spec["hf_id"]
    proc = transformers.AutoImageProcessor.from_pretrained(hf_id, revision=sha)
    model = transformers.AutoModelForImageClassification.from_pretrained(hf_id, revision=sha)
    model.eval()
    config = model.config
    labels = labels_of(config, spec["expected_labels"])
    dim = int(config.hidden_size)

    size = proc.size
    if isinstance(size, dict):
        if "height" in size and "width" in size and size["height"] == size["width"]:
            size = size["height"]
        elif "shortest_edge" in size and len(size) == 1:
            size = size["shortest_edge"]
        else:
            raise SystemExit("error: image processor size %s is not a square resize" % (size,))
    size = int(size)
    if not getattr(proc, "do_resize", True):
        raise SystemExit("error: the image processor does not resize; the spec needs a size")
    if getattr(proc, "do_center_crop", False):
        raise SystemExit("error: the image processor centre-crops, which ImageInputSpec cannot say")
    if size != int(config.image_size):
        raise SystemExit("error: processor size %d differs from the model's image_size %d"
                         % (size, config.image_size))
    if getattr(proc, "do_normalize", True):
        mean = [float(v) for v in proc.image_mean]
        std = [float(v) for v in proc.image_std]
    else:
        mean, std = [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]
    rescale = float(proc.rescale_factor) if getattr(proc, "do_rescale", True) else 1.0
    print("  image processor: size %d, mean %s, std %s, rescale %r, resample %s"
          % (size, mean, std, rescale, getattr(proc, "resample", "?")))
    wrapper = wrappers[2](model).eval()

    gen = torch.Generator().manual_seed(7)
    example = (torch.randn(2, 3, size, size, generator=gen),)
    checks = [(torch.randn(3, 3, size, size, generator=gen),),
              (torch.randn(1, 3, size, size, generator=gen),)]
    traced, worst = trace(torch, wrapper, example, checks)

    rng = np.random.default_rng(7)
    pipe = transformers.pipeline("image-classification", model=model, image_processor=proc)
    pipe_diff = 0.0
    for shape in [(260, 300, 3), (224, 224, 3)]:
        image = Image.fromarray(rng.integers(0, 256, size=shape, dtype=np.uint8))  # H x W x 3: RGB
        pixels = proc(images=image, return_tensors="pt")["pixel_values"].to(torch.float32)
        ours = torch.softmax(traced(pixels)[0][0], dim=-1)
        pipe_diff = max(pipe_diff, compare_scores("image-classification",
                                                  pipe(image, top_k=len(labels)), ours, labels))

    model_path = out_dir / "model.pt"
    traced.save(str(model_path))
    check_saved(torch, model_path, example, len(labels), dim)
    ts = Msg([
        ("labels", labels), ("embedding_dim", dim), ("embedding", "cls"),
        ("image", Msg([
            ("size", size), ("mean", mean), ("std", std), ("rescale", rescale),
            ("channel_order", "RGB"),
        ])),
    ])
    metrics = [("max_abs_diff_traced_vs_eager", worst, "export check (batches of 1-3)"),
               ("max_abs_diff_probabilities_vs_pipeline", pipe_diff, "export check (2 images)")]
    return model_path, ts, metrics


EXPORTERS = {"text": export_text, "voice": export_voice, "face": export_face}


def main(argv=None):
    args = parse_args(argv)
    kinds = list(dict.fromkeys(args.only or ["text", "voice", "face"]))
    refuse_existing(args.out, [MODELS[k]["name"] for k in kinds], args.version, args.force)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch, transformers = require_libraries(args.allow_torch_version)
    torch.manual_seed(0)
    torch.set_grad_enabled(False)
    wrappers = make_wrappers(torch)
    exported_with = "torch %s, transformers %s" % (torch.__version__, transformers.__version__)
    program = program_line(sys.argv[0] if argv is None else __file__)
    done = []
    for kind in kinds:
        spec = MODELS[kind]
        started = time.time()
        print("%s: %s" % (kind, spec["hf_id"]))
        sha, license_name = resolve_revision(spec["hf_id"], args.revisions.get(kind))
        print("  revision %s, license %s" % (sha, license_name or "not stated"))
        credit = ("license: %s, per the model card" % license_name if license_name
                  else "license: not stated on the model card; check it before use")

        def build(tmp):
            model_path, ts, metrics = EXPORTERS[kind](torch, transformers, spec, sha, tmp, wrappers)
            ts.insert(3, ("source", "%s@%s" % (spec["hf_id"], sha)))
            ts.insert(4, ("exported_with", exported_with))
            digest = sha256_file(model_path)
            manifest = Msg([
                ("name", spec["name"]), ("version", args.version), ("kind", spec["kind"]),
                ("file", model_path.name), ("sha256", digest),
                ("training", Msg([
                    ("data", "%s@%s (%s)" % (spec["hf_id"], sha, credit)),
                    ("program", program),
                    ("metrics", [Msg([("name", n), ("value", float(v)), ("split", s)])
                                 for n, v, s in metrics]),
                ])),
                ("torchscript", ts),
            ])
            write_manifest(tmp / "manifest.textproto", manifest,
                           "Written by deploy/models/export_hf_models.py from %s; the sha256 "
                           "guards the model file." % spec["hf_id"])
            return model_path.stat().st_size, digest

        final, (size, digest) = write_entry(args.out, spec["name"], args.version, build, args.force)
        print("  wrote %s (model.pt %s, sha256 %s) in %.0f s"
              % (final, human_size(size), digest, time.time() - started))
        done.append(final)
    print("exported %d model(s); point a service's model_dir at <out>/<name> to serve one "
          "(see deploy/models/README.md)" % len(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
