"""Segment Anything networks (Kirillov et al. 2023) and MobileSAM's TinyViT encoder (Zhang et al. 2023), in torch.

Written module for module as the official ``segment_anything`` and MobileSAM
code lays them out, so their checkpoints (``sam_vit_b_01ec64.pth``,
``mobile_sam.pt``) load with ``strict=True``: the top-level modules are
``image_encoder``, ``prompt_encoder`` and ``mask_decoder``. Sizes come from a
:class:`SamConfig`; :data:`CONFIGS` holds the published ones and a tiny one for
tests.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["SamConfig", "CONFIGS", "build_sam", "Sam"]


@dataclass(frozen=True)
class SamConfig:
    encoder: str  # "vit" or "tinyvit"
    img_size: int = 1024
    prompt_dim: int = 256  # transformer / prompt embedding width
    decoder_depth: int = 2
    decoder_heads: int = 8
    decoder_mlp: int = 2048
    # ViT encoder
    vit_dim: int = 768
    vit_depth: int = 12
    vit_heads: int = 12
    vit_global: tuple[int, ...] = (2, 5, 8, 11)
    vit_window: int = 14
    # TinyViT encoder
    tiny_dims: tuple[int, ...] = (64, 128, 160, 320)
    tiny_depths: tuple[int, ...] = (2, 2, 6, 2)
    tiny_heads: tuple[int, ...] = (2, 4, 5, 10)
    tiny_windows: tuple[int, ...] = (7, 7, 14, 7)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def embed_size(self) -> int:
        return self.img_size // 16


CONFIGS: dict[str, SamConfig] = {
    "vit_b": SamConfig("vit"),
    "mobile_sam": SamConfig("tinyvit"),
    # tiny networks of the same architectures, for tests (no weights exist for them)
    "tiny_vit_b": SamConfig("vit", img_size=128, prompt_dim=32, decoder_heads=4, decoder_mlp=64, vit_dim=32, vit_depth=2, vit_heads=2, vit_global=(1,), vit_window=4),
    "tiny_mobile_sam": SamConfig(
        "tinyvit", img_size=128, prompt_dim=32, decoder_heads=4, decoder_mlp=64, tiny_dims=(16, 24, 32, 320), tiny_depths=(1, 1, 1, 1), tiny_heads=(1, 2, 2, 4), tiny_windows=(4, 4, 4, 4)
    ),
}


class LayerNorm2d(nn.Module):
    def __init__(self, channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class MLPBlock(nn.Module):
    def __init__(self, dim: int, hidden: int, act: type[nn.Module] = nn.GELU) -> None:
        super().__init__()
        self.lin1 = nn.Linear(dim, hidden)
        self.lin2 = nn.Linear(hidden, dim)
        self.act = act()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cast("torch.Tensor", self.lin2(self.act(self.lin1(x))))


# ----------------------------------------------------------------------------- ViT image encoder


def _rel_pos(q_size: int, k_size: int, rel_pos: torch.Tensor) -> torch.Tensor:
    max_dist = int(2 * max(q_size, k_size) - 1)
    if rel_pos.shape[0] != max_dist:
        rel_pos = F.interpolate(rel_pos.reshape(1, rel_pos.shape[0], -1).permute(0, 2, 1), size=max_dist, mode="linear").reshape(-1, max_dist).permute(1, 0)
    q = torch.arange(q_size)[:, None] * max(k_size / q_size, 1.0)
    k = torch.arange(k_size)[None, :] * max(q_size / k_size, 1.0)
    return rel_pos[((q - k) + (k_size - 1) * max(q_size / k_size, 1.0)).long()]


class ViTAttention(nn.Module):
    def __init__(self, dim: int, heads: int, input_size: tuple[int, int]) -> None:
        super().__init__()
        self.heads = heads
        head_dim = dim // heads
        self.scale = head_dim**-0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)
        self.rel_pos_h = nn.Parameter(torch.zeros(2 * input_size[0] - 1, head_dim))
        self.rel_pos_w = nn.Parameter(torch.zeros(2 * input_size[1] - 1, head_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, _ = x.shape
        qkv = self.qkv(x).reshape(b, h * w, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.reshape(3, b * self.heads, h * w, -1).unbind(0)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        rh, rw = _rel_pos(h, h, self.rel_pos_h), _rel_pos(w, w, self.rel_pos_w)
        r_q = q.reshape(b * self.heads, h, w, -1)
        rel_h = torch.einsum("bhwc,hkc->bhwk", r_q, rh)
        rel_w = torch.einsum("bhwc,wkc->bhwk", r_q, rw)
        attn = (attn.view(-1, h, w, h, w) + rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]).view(-1, h * w, h * w)
        x = (attn.softmax(dim=-1) @ v).view(b, self.heads, h, w, -1).permute(0, 2, 3, 1, 4).reshape(b, h, w, -1)
        return cast("torch.Tensor", self.proj(x))


class ViTBlock(nn.Module):
    def __init__(self, dim: int, heads: int, window: int, input_size: tuple[int, int]) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = ViTAttention(dim, heads, input_size if window == 0 else (window, window))
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = MLPBlock(dim, dim * 4)
        self.window = window

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.norm1(x)
        if self.window > 0:
            b, h, w, c = x.shape
            ws = self.window
            ph, pw = (ws - h % ws) % ws, (ws - w % ws) % ws
            x = F.pad(x, (0, 0, 0, pw, 0, ph))
            hp, wp = h + ph, w + pw
            x = x.view(b, hp // ws, ws, wp // ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws, ws, c)
            x = self.attn(x)
            x = x.view(b, hp // ws, wp // ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, c)[:, :h, :w]
        else:
            x = self.attn(x)
        x = shortcut + x
        return cast("torch.Tensor", x + self.mlp(self.norm2(x)))


class PatchEmbed(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, dim, 16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cast("torch.Tensor", self.proj(x).permute(0, 2, 3, 1))


def _neck(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), LayerNorm2d(cout), nn.Conv2d(cout, cout, 3, padding=1, bias=False), LayerNorm2d(cout))


class ImageEncoderViT(nn.Module):
    def __init__(self, cfg: SamConfig) -> None:
        super().__init__()
        n = cfg.embed_size
        self.patch_embed = PatchEmbed(cfg.vit_dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, n, n, cfg.vit_dim))
        self.blocks = nn.ModuleList(ViTBlock(cfg.vit_dim, cfg.vit_heads, 0 if i in cfg.vit_global else cfg.vit_window, (n, n)) for i in range(cfg.vit_depth))
        self.neck = _neck(cfg.vit_dim, cfg.prompt_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return cast("torch.Tensor", self.neck(x.permute(0, 3, 1, 2)))


# ----------------------------------------------------------------------------- TinyViT image encoder (MobileSAM)


class Conv2dBN(nn.Sequential):
    def __init__(self, a: int, b: int, ks: int = 1, stride: int = 1, pad: int = 0, groups: int = 1) -> None:
        super().__init__()
        self.add_module("c", nn.Conv2d(a, b, ks, stride, pad, groups=groups, bias=False))
        self.add_module("bn", nn.BatchNorm2d(b))


class TinyPatchEmbed(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.seq = nn.Sequential(Conv2dBN(3, dim // 2, 3, 2, 1), nn.GELU(), Conv2dBN(dim // 2, dim, 3, 2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cast("torch.Tensor", self.seq(x))


class MBConv(nn.Module):
    def __init__(self, dim: int, expand: float) -> None:
        super().__init__()
        hidden = int(dim * expand)
        self.conv1 = Conv2dBN(dim, hidden)
        self.conv2 = Conv2dBN(hidden, hidden, 3, 1, 1, groups=hidden)
        self.conv3 = Conv2dBN(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.gelu(self.conv2(F.gelu(self.conv1(x))))
        return F.gelu(self.conv3(y) + x)


class PatchMerging(nn.Module):
    def __init__(self, resolution: tuple[int, int], dim: int, out_dim: int) -> None:
        super().__init__()
        self.resolution = resolution
        stride = 1 if out_dim in (320, 448, 576) else 2  # MobileSAM keeps 64×64 before its last stage
        self.conv1 = Conv2dBN(dim, out_dim)
        self.conv2 = Conv2dBN(out_dim, out_dim, 3, stride, 1, groups=out_dim)
        self.conv3 = Conv2dBN(out_dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 3:
            h, w = self.resolution
            x = x.view(x.shape[0], h, w, -1).permute(0, 3, 1, 2)
        x = self.conv3(F.gelu(self.conv2(F.gelu(self.conv1(x)))))
        return x.flatten(2).transpose(1, 2)


class ConvLayer(nn.Module):
    def __init__(self, dim: int, resolution: tuple[int, int], depth: int, out_dim: int, expand: float = 4.0) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(MBConv(dim, expand) for _ in range(depth))
        self.downsample = PatchMerging(resolution, dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for blk in self.blocks:
            x = blk(x)
        return cast("torch.Tensor", self.downsample(x))


class TinyAttention(nn.Module):
    attention_bias_idxs: torch.Tensor  # a buffer (registered in __init__)

    def __init__(self, dim: int, key_dim: int, heads: int, resolution: tuple[int, int]) -> None:
        super().__init__()
        self.heads, self.key_dim, self.scale = heads, key_dim, key_dim**-0.5
        self.d = key_dim  # attn_ratio = 1
        self.dh = key_dim * heads
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, self.dh + key_dim * heads * 2)
        self.proj = nn.Linear(self.dh, dim)
        points = list(itertools.product(range(resolution[0]), range(resolution[1])))
        offsets: dict[tuple[int, int], int] = {}
        idxs = []
        for p1 in points:
            for p2 in points:
                off = (abs(p1[0] - p2[0]), abs(p1[1] - p2[1]))
                idxs.append(offsets.setdefault(off, len(offsets)))
        self.attention_biases = nn.Parameter(torch.zeros(heads, len(offsets)))
        self.register_buffer("attention_bias_idxs", torch.LongTensor(idxs).view(len(points), len(points)), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        q, k, v = self.qkv(self.norm(x)).view(b, n, self.heads, -1).split([self.key_dim, self.key_dim, self.d], dim=3)
        q, k, v = q.permute(0, 2, 1, 3), k.permute(0, 2, 1, 3), v.permute(0, 2, 1, 3)
        attn = (q @ k.transpose(-2, -1)) * self.scale + self.attention_biases[:, self.attention_bias_idxs]
        return cast("torch.Tensor", self.proj((attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, self.dh)))


class TinyMlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cast("torch.Tensor", self.fc2(F.gelu(self.fc1(self.norm(x)))))


class TinyViTBlock(nn.Module):
    def __init__(self, dim: int, resolution: tuple[int, int], heads: int, window: int) -> None:
        super().__init__()
        self.resolution, self.window = resolution, window
        self.attn = TinyAttention(dim, dim // heads, heads, (window, window))
        self.mlp = TinyMlp(dim, dim * 4)
        self.local_conv = Conv2dBN(dim, dim, 3, 1, 1, groups=dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = self.resolution
        b, n, c = x.shape
        res = x
        ws = self.window
        if h == ws and w == ws:
            x = self.attn(x)
        else:
            x = x.view(b, h, w, c)
            pb, pr = (ws - h % ws) % ws, (ws - w % ws) % ws
            x = F.pad(x, (0, 0, 0, pr, 0, pb))
            ph, pw = h + pb, w + pr
            x = x.view(b, ph // ws, ws, pw // ws, ws, c).transpose(2, 3).reshape(-1, ws * ws, c)
            x = self.attn(x)
            x = x.view(b, ph // ws, pw // ws, ws, ws, c).transpose(2, 3).reshape(b, ph, pw, c)[:, :h, :w].reshape(b, n, c)
        x = res + x
        x = self.local_conv(x.transpose(1, 2).reshape(b, c, h, w)).view(b, c, n).transpose(1, 2)
        return cast("torch.Tensor", x + self.mlp(x))


class BasicLayer(nn.Module):
    def __init__(self, dim: int, resolution: tuple[int, int], depth: int, heads: int, window: int, out_dim: int | None) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(TinyViTBlock(dim, resolution, heads, window) for _ in range(depth))
        self.downsample = PatchMerging(resolution, dim, out_dim) if out_dim is not None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for blk in self.blocks:
            x = blk(x)
        return x if self.downsample is None else self.downsample(x)


class TinyViT(nn.Module):
    def __init__(self, cfg: SamConfig) -> None:
        super().__init__()
        dims, depths = cfg.tiny_dims, cfg.tiny_depths
        self.patch_embed = TinyPatchEmbed(dims[0])
        res = cfg.img_size // 4
        self.out_size = cfg.embed_size
        layers: list[nn.Module] = [ConvLayer(dims[0], (res, res), depths[0], dims[1])]
        for i in range(1, len(dims)):
            r = res // (2 ** (i - 1 if i == 3 else i))
            out = dims[i + 1] if i + 1 < len(dims) else None
            layers.append(BasicLayer(dims[i], (r, r), depths[i], cfg.tiny_heads[i], cfg.tiny_windows[i], out))
        self.layers = nn.ModuleList(layers)
        self.norm_head = nn.LayerNorm(dims[-1])  # classification head of TinyViT: in the checkpoint, unused here
        self.head = nn.Linear(dims[-1], 1000)
        self.neck = _neck(dims[-1], cfg.prompt_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        b, _, c = x.shape
        return cast("torch.Tensor", self.neck(x.view(b, self.out_size, self.out_size, c).permute(0, 3, 1, 2)))


# ----------------------------------------------------------------------------- prompt encoder and mask decoder


class PositionEmbeddingRandom(nn.Module):
    positional_encoding_gaussian_matrix: torch.Tensor  # a buffer (registered in __init__)

    def __init__(self, num_pos_feats: int) -> None:
        super().__init__()
        self.register_buffer("positional_encoding_gaussian_matrix", torch.randn((2, num_pos_feats)))

    def _encode(self, coords: torch.Tensor) -> torch.Tensor:
        coords = (2 * coords - 1) @ self.positional_encoding_gaussian_matrix
        coords = 2 * math.pi * coords
        return torch.cat([torch.sin(coords), torch.cos(coords)], dim=-1)

    def grid(self, size: int) -> torch.Tensor:
        ones = torch.ones((size, size), device=self.positional_encoding_gaussian_matrix.device)
        y = (ones.cumsum(dim=0) - 0.5) / size
        x = (ones.cumsum(dim=1) - 0.5) / size
        return self._encode(torch.stack([x, y], dim=-1)).permute(2, 0, 1)

    def with_coords(self, coords: torch.Tensor, image_size: int) -> torch.Tensor:
        return self._encode(coords.clone() / image_size)


class PromptEncoder(nn.Module):
    def __init__(self, dim: int, embed_size: int, img_size: int) -> None:
        super().__init__()
        self.img_size, self.embed_size = img_size, embed_size
        self.pe_layer = PositionEmbeddingRandom(dim // 2)
        self.point_embeddings = nn.ModuleList(nn.Embedding(1, dim) for _ in range(4))
        self.not_a_point_embed = nn.Embedding(1, dim)
        self.mask_downscaling = nn.Sequential(nn.Conv2d(1, 4, 2, 2), LayerNorm2d(4), nn.GELU(), nn.Conv2d(4, 16, 2, 2), LayerNorm2d(16), nn.GELU(), nn.Conv2d(16, dim, 1))
        self.no_mask_embed = nn.Embedding(1, dim)

    def forward(self, points: tuple[torch.Tensor, torch.Tensor] | None, boxes: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        parts = []
        # the ModuleList of four nn.Embedding built in __init__ (torch types its items as Module)
        point_embeddings = cast("Sequence[nn.Embedding]", self.point_embeddings)
        if points is not None:
            coords, labels = points
            coords = coords + 0.5
            if boxes is None:  # a padding point, as the official encoder adds
                coords = torch.cat([coords, torch.zeros_like(coords[:, :1])], dim=1)
                labels = torch.cat([labels, -torch.ones_like(labels[:, :1])], dim=1)
            emb = self.pe_layer.with_coords(coords, self.img_size)
            emb[labels == -1] = 0.0
            emb[labels == -1] += self.not_a_point_embed.weight
            emb[labels == 0] += point_embeddings[0].weight
            emb[labels == 1] += point_embeddings[1].weight
            parts.append(emb)
        if boxes is not None:
            corners = self.pe_layer.with_coords((boxes + 0.5).reshape(-1, 2, 2), self.img_size)
            corners[:, 0, :] += point_embeddings[2].weight
            corners[:, 1, :] += point_embeddings[3].weight
            parts.append(corners)
        sparse = torch.cat(parts, dim=1)
        dense = self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(sparse.shape[0], -1, self.embed_size, self.embed_size)
        return sparse, dense


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, downsample: int = 1) -> None:
        super().__init__()
        inner = dim // downsample
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj = nn.Linear(dim, inner), nn.Linear(dim, inner), nn.Linear(dim, inner)
        self.out_proj = nn.Linear(inner, dim)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        return x.reshape(b, n, self.heads, c // self.heads).transpose(1, 2)

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        q, k, v = self._split(self.q_proj(q)), self._split(self.k_proj(k)), self._split(self.v_proj(v))
        attn = (q @ k.permute(0, 1, 3, 2)) / math.sqrt(q.shape[-1])
        out = attn.softmax(dim=-1) @ v
        b, h, n, c = out.shape
        return cast("torch.Tensor", self.out_proj(out.transpose(1, 2).reshape(b, n, h * c)))


class TwoWayBlock(nn.Module):
    def __init__(self, dim: int, heads: int, mlp: int, skip_first_pe: bool) -> None:
        super().__init__()
        self.self_attn = Attention(dim, heads)
        self.norm1 = nn.LayerNorm(dim)
        self.cross_attn_token_to_image = Attention(dim, heads, 2)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MLPBlock(dim, mlp, nn.ReLU)
        self.norm3 = nn.LayerNorm(dim)
        self.norm4 = nn.LayerNorm(dim)
        self.cross_attn_image_to_token = Attention(dim, heads, 2)
        self.skip_first_pe = skip_first_pe

    def forward(self, queries: torch.Tensor, keys: torch.Tensor, query_pe: torch.Tensor, key_pe: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.skip_first_pe:
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + query_pe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.norm1(queries)
        q, k = queries + query_pe, keys + key_pe
        queries = self.norm2(queries + self.cross_attn_token_to_image(q, k, keys))
        queries = self.norm3(queries + self.mlp(queries))
        q, k = queries + query_pe, keys + key_pe
        keys = self.norm4(keys + self.cross_attn_image_to_token(k, q, queries))
        return queries, keys


class TwoWayTransformer(nn.Module):
    def __init__(self, depth: int, dim: int, heads: int, mlp: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(TwoWayBlock(dim, heads, mlp, i == 0) for i in range(depth))
        self.final_attn_token_to_image = Attention(dim, heads, 2)
        self.norm_final_attn = nn.LayerNorm(dim)

    def forward(self, image: torch.Tensor, image_pe: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        keys = image.flatten(2).permute(0, 2, 1)
        key_pe = image_pe.flatten(2).permute(0, 2, 1)
        queries = tokens
        for layer in self.layers:
            queries, keys = layer(queries, keys, tokens, key_pe)
        q, k = queries + tokens, keys + key_pe
        queries = self.norm_final_attn(queries + self.final_attn_token_to_image(q, k, keys))
        return queries, keys


class MLP(nn.Module):
    def __init__(self, cin: int, hidden: int, cout: int, layers: int) -> None:
        super().__init__()
        dims = [cin] + [hidden] * (layers - 1)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:] + [cout], strict=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = F.relu(layer(x)) if i < len(self.layers) - 1 else layer(x)
        return x


class MaskDecoder(nn.Module):
    def __init__(self, cfg: SamConfig, multimask: int = 3) -> None:
        super().__init__()
        d = cfg.prompt_dim
        self.transformer = TwoWayTransformer(cfg.decoder_depth, d, cfg.decoder_heads, cfg.decoder_mlp)
        self.num_mask_tokens = multimask + 1
        self.iou_token = nn.Embedding(1, d)
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, d)
        self.output_upscaling = nn.Sequential(nn.ConvTranspose2d(d, d // 4, 2, 2), LayerNorm2d(d // 4), nn.GELU(), nn.ConvTranspose2d(d // 4, d // 8, 2, 2), nn.GELU())
        self.output_hypernetworks_mlps = nn.ModuleList(MLP(d, d, d // 8, 3) for _ in range(self.num_mask_tokens))
        self.iou_prediction_head = MLP(d, 256 if d == 256 else d, self.num_mask_tokens, 3)

    def forward(self, image: torch.Tensor, image_pe: torch.Tensor, sparse: torch.Tensor, dense: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """All 4 masks (low resolution, logits) and their predicted IoU, per prompt."""
        out_tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight], dim=0).unsqueeze(0).expand(sparse.shape[0], -1, -1)
        tokens = torch.cat((out_tokens, sparse), dim=1)
        src = torch.repeat_interleave(image, tokens.shape[0], dim=0) + dense
        pos = torch.repeat_interleave(image_pe, tokens.shape[0], dim=0)
        b, c, h, w = src.shape
        hs, src = self.transformer(src, pos, tokens)
        iou_out, mask_out = hs[:, 0, :], hs[:, 1 : 1 + self.num_mask_tokens, :]
        up = self.output_upscaling(src.transpose(1, 2).reshape(b, c, h, w))
        hyper = torch.stack([mlp(mask_out[:, i, :]) for i, mlp in enumerate(self.output_hypernetworks_mlps)], dim=1)
        b, c, h, w = up.shape
        masks = (hyper @ up.view(b, c, h * w)).view(b, -1, h, w)
        return masks, self.iou_prediction_head(iou_out)


class Sam(nn.Module):
    """``image_encoder`` + ``prompt_encoder`` + ``mask_decoder``, as in the official checkpoints."""

    def __init__(self, cfg: SamConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.image_encoder = ImageEncoderViT(cfg) if cfg.encoder == "vit" else TinyViT(cfg)
        self.prompt_encoder = PromptEncoder(cfg.prompt_dim, cfg.embed_size, cfg.img_size)
        self.mask_decoder = MaskDecoder(cfg)


def build_sam(config: str | SamConfig = "vit_b") -> Sam:
    """An untrained SAM of the given configuration (a name in :data:`CONFIGS` or a :class:`SamConfig`)."""
    cfg = CONFIGS[config] if isinstance(config, str) else config
    return Sam(cfg)
