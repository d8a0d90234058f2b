"""A person prior from several small neural models: the mean of their subject probabilities.

Each model fails in its own way: on ``humanseg_removebg290`` MediaPipe selfie
takes a desk in front of a person for the person, U²-Net-p loses a dark suit
on a dark backdrop, MODNet drops the second person of a group. Their mean
probability fails less often than any one of them (measured in
docs/evaluation.md), and how much they disagree is a measure of doubt that a
single model cannot give.

Members are registered backends: segmenters with a ``probability`` method
(``selfie``, ``u2netp``) or matters with a ``predict_alpha`` method
(``modnet``, ``rvm``). Each member's low-resolution output is resized to a
common working size, the maps are averaged there, and the mean is resized to
the photo's size (bilinear).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, cast

import cv2
import numpy as np

from ..._ops import resize, working_size
from ...errors import InputError, WeightsUnavailableError
from ...hub import local_weights
from ...image import checked_image
from ...types import Image, Mask, QualityWarning

__all__ = ["PersonEnsemble", "DEFAULT_MEMBERS"]

DEFAULT_MEMBERS: tuple[str, ...] = ("selfie", "u2netp", "modnet")
"""The Apache-2.0 person models; RVM (GPL-3.0 weights) is left out of the defaults."""

#: 1 − the lowest IoU between two members' masks above which the prior is in doubt
#: (on the 22 real studio photos, images whose members disagree more than this are the ones below IoU 0.9).
DISAGREEMENT_LIMIT = 0.12
#: with three or more members, one whose mask has IoU below this with every other member, while those
#: others agree with one another at :data:`CONSENSUS_IOU` or better, is outvoted: it is left out of the mean
OUTLIER_IOU = 0.9
#: how well the remaining members must agree with one another (pairwise IoU) to outvote one
CONSENSUS_IOU = 0.95


def _pair_ious(maps: dict[str, np.ndarray], threshold: float) -> dict[tuple[str, str], float]:
    """IoU of every pair of members' masks (each map cut at ``threshold``), keyed by the pair's names."""
    from ...metrics.segmentation import iou

    names = list(maps)
    masks = {k: m > threshold for k, m in maps.items()}
    return {(a, b): iou(masks[a], masks[b]) for i, a in enumerate(names) for b in names[i + 1 :]}


def _outlier(pairs: dict[tuple[str, str], float], names: list[str]) -> str | None:
    """The member of ``names`` the others outvote, from their pairwise IoUs (see :meth:`PersonEnsemble.outlier`)."""
    if len(names) < 3:
        return None
    for k in names:
        if all(v < OUTLIER_IOU for pair, v in pairs.items() if k in pair) and all(v >= CONSENSUS_IOU for pair, v in pairs.items() if k not in pair):
            return k
    return None


def _member(name: str, device: str, threads: int | None, weights: str | os.PathLike[str] | None) -> Any:
    from ...registry import create, list_backends

    opts: dict[str, Any] = {"device": device, "threads": threads, "weights": weights}
    if name in list_backends("segmenter"):
        backend = create("segmenter", name, **opts)
        if not hasattr(backend, "probability"):
            raise InputError("members", "segmenters with a probability() method or matters with predict_alpha()", name)
        return backend
    if name in list_backends("matter"):
        matter = create("matter", name, mask_margin=None, **opts)
        if not hasattr(matter, "predict_alpha"):
            raise InputError("members", "segmenters with a probability() method or matters with predict_alpha()", name)
        return matter
    raise InputError("members", "names of neural segmenters or matters (selfie, u2netp, modnet, rvm)", repr(name))


def named_file(name: str, weights: dict[str, str | os.PathLike[str]] | None = None) -> bool:
    """Whether the caller named a weights file for model ``name`` (``weights=`` or ``--weights``/:func:`~studiocomp.hub.use_weights`).

    Parameters
    ----------
    name : str
        A model name.
    weights : dict, optional
        Per-model files given to the ensemble.

    Returns
    -------
    bool
        True when a failure to load ``name`` is the caller's file's, and must be raised, not skipped.
    """
    return (weights or {}).get(name) is not None or local_weights(name) is not None


class PersonEnsemble:
    """Segmenter: the mean person probability of several neural models, cut at ``threshold``.

    Parameters
    ----------
    members : sequence of str
        Registered neural backends (default ``("selfie", "u2netp", "modnet")``).
    threshold : float
        Probability above which a pixel is subject.
    skip_unavailable : bool
        Leave out a member whose weights cannot be had (offline, not cached) instead of
        raising; :attr:`missing` names them. With no member left,
        :class:`~studiocomp.WeightsUnavailableError` is raised either way.
    working_side : int
        Long side (pixels) at which the members' maps are averaged.
    device, threads
        As for each member (see :class:`~studiocomp.backends.matte.modnet.MODNetMatter`).
    weights : dict of str to path, optional
        Local weight files by member name.

    Raises
    ------
    InputError
        An unknown member, an empty list, or a threshold outside (0, 1).
    WeightsUnavailableError
        No member's weights are available.

    Examples
    --------
    >>> import studiocomp  # doctest: +SKIP
    >>> prior = studiocomp.create("segmenter", "ensemble", members=("selfie", "modnet"))  # doctest: +SKIP
    >>> prior.probability(image).shape  # doctest: +SKIP
    (H, W)
    """

    def __init__(
        self,
        members: Sequence[str] = DEFAULT_MEMBERS,
        threshold: float = 0.5,
        *,
        skip_unavailable: bool = False,
        working_side: int = 512,
        device: str = "auto",
        threads: int | None = None,
        weights: dict[str, str | os.PathLike[str]] | None = None,
    ) -> None:
        if isinstance(members, str) or not members:
            raise InputError("members", "a non-empty sequence of backend names", repr(members))
        if not (0.0 < float(threshold) < 1.0):
            raise InputError("threshold", "a float in (0, 1)", repr(threshold))
        self.threshold = float(threshold)
        self.working_side = int(working_side)
        self.members: dict[str, Any] = {}
        self.missing: list[str] = []
        errors: list[str] = []
        for name in members:
            try:
                self.members[name] = _member(name, device, threads, (weights or {}).get(name))
            except WeightsUnavailableError as exc:
                if not skip_unavailable or named_file(name, weights):
                    raise  # a file the caller named is wrong (missing, another model's): say so, never fall back
                self.missing.append(name)
                errors.append(str(exc))
        if not self.members:
            raise WeightsUnavailableError("no member of the ensemble has its weights: " + " | ".join(errors))

    @property
    def missing_models(self) -> list[str]:
        """Members skipped because their weights could not be had (``skip_unavailable``).

        Returns
        -------
        list of str
            Model names; ``[]`` when every member loaded.
        """
        return list(self.missing)

    def __repr__(self) -> str:
        return f"PersonEnsemble(members={tuple(self.members)}, threshold={self.threshold})"

    def member_probabilities(self, image: Image) -> dict[str, np.ndarray]:
        """Each member's subject probability at the working size (h×w float32 in [0, 1], long side ``working_side``).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        dict of str to numpy.ndarray
            Member name → h×w float32 in [0, 1].
        """
        img = checked_image(image)
        h, w = img.shape[:2]
        hw = working_size(h, w, self.working_side)
        out: dict[str, np.ndarray] = {}
        for name, backend in self.members.items():
            small = backend.predict_alpha(img) if hasattr(backend, "predict_alpha") else backend.predict_probability(img)
            out[name] = np.clip(resize(np.asarray(small, np.float32), hw, cv2.INTER_LINEAR), 0.0, 1.0)
        return out

    @staticmethod
    def outlier(maps: dict[str, np.ndarray], threshold: float = 0.5) -> str | None:
        """The one member the others outvote, or ``None``.

        With three or more members, a member is an outlier when its mask (cut at ``threshold``) has IoU below
        :data:`OUTLIER_IOU` with every other member's while every pair of the others agrees at
        :data:`CONSENSUS_IOU` or better. On real photos this is one model failing in its own way: MODNet
        losing the jacket and half the face of humanseg 011 in greyscale, U²-Net-p taking in the backdrop
        beside a shoulder (038). On the 22 real studio photos in colour and in greyscale and the 80 of
        ``studio_synth`` it fired 13 times; 12 times the outvoted member was the one furthest from the truth.
        The exception is an object, not a person (``studio_synth`` GT18), on which selfie and MODNet agreed
        on the same wrong shape (docs/evaluation.md).

        Parameters
        ----------
        maps : dict of str to numpy.ndarray
            Member probabilities of one size (:meth:`member_probabilities`).
        threshold : float
            Where each map is cut.

        Returns
        -------
        str or None
            The outvoted member's name.
        """
        return _outlier(_pair_ious(maps, threshold), list(maps))

    @staticmethod
    def disagreement(maps: dict[str, np.ndarray], threshold: float = 0.5) -> float:
        """1 − the lowest IoU between two members' masks (0 for one member); in [0, 1].

        Parameters
        ----------
        maps : dict of str to numpy.ndarray
            Member probabilities of one size (:meth:`member_probabilities`).
        threshold : float
            Where each map is cut.

        Returns
        -------
        float
            In [0, 1].
        """
        return float(1.0 - min(_pair_ious(maps, threshold).values(), default=1.0))

    def probability_small(self, image: Image) -> tuple[np.ndarray, list[QualityWarning]]:
        """The mean probability at the working size, with the warnings the members' disagreement raises.

        A member the others outvote (:meth:`outlier`) is left out of the mean and out of the disagreement,
        with a ``prior-outlier`` note (not uncertain; its value is 1 − its best IoU with another member).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        (numpy.ndarray, list of QualityWarning)
            The h×w float32 mean probability in [0, 1] and the warnings.
        """
        maps = self.member_probabilities(image)
        warnings: list[QualityWarning] = []
        pairs = _pair_ious(maps, self.threshold)  # once: the vote and the disagreement read the same IoUs
        odd = _outlier(pairs, list(maps))
        if odd is not None:
            maps = {k: v for k, v in maps.items() if k != odd}
            best = max(v for pair, v in pairs.items() if odd in pair)
            warnings.append(
                QualityWarning("prior-outlier", f"{odd} disagrees with {' and '.join(maps)} (IoU {best:.2f} at best), who agree: it is left out", 1.0 - best, uncertain=False)
            )
            pairs = {pair: v for pair, v in pairs.items() if odd not in pair}
        mean = np.mean(list(maps.values()), axis=0).astype(np.float32)
        spread = 1.0 - min(pairs.values(), default=1.0)
        if spread > DISAGREEMENT_LIMIT:
            warnings.append(QualityWarning("prior-disagreement", f"the person models ({', '.join(maps)}) disagree on {spread:.0%} of the subject (IoU {1 - spread:.2f})", spread))
        return mean, warnings

    def probability(self, image: Any) -> np.ndarray:
        """The mean subject probability at the photo's size (H×W float32 in [0, 1]).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        numpy.ndarray
            H×W float32 in [0, 1].
        """
        img = checked_image(image)
        mean, _ = self.probability_small(img)
        return cast("np.ndarray", np.clip(resize(mean, img.shape[:2], cv2.INTER_LINEAR), 0.0, 1.0))

    def segment_assessed(self, image: Image) -> tuple[Mask, list[QualityWarning]]:
        """The H×W bool mask and the members' doubts (see :class:`~studiocomp.types.Assessed`).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        (Mask, list of QualityWarning)
            The H×W bool mask and the members' disagreement as warnings.
        """
        img = checked_image(image)
        mean, warnings = self.probability_small(img)
        return resize(mean, img.shape[:2], cv2.INTER_LINEAR) > self.threshold, warnings

    def segment(self, image: Image) -> Mask:
        """The H×W bool mask: mean probability > ``threshold``.

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        Mask
            H×W bool, True for the subject.
        """
        return self.segment_assessed(image)[0]
