"""Opportunity scoring: the chance of winning an institutional opportunity, as a probability and a 1-5 score.

Two models, each fed only what was known at its cutoff: ``creation`` (the opportunity's CREATED
event) and ``proposal`` (its first PROPOSAL_SENT event). One concern per module:

- ``sources``: the CRM contract tables (versioned opportunities, events, accounts) -> the frames below.
- ``features``: feature rows as known at a cutoff (as-of joins; never an outcome field).
- ``encoding``: feature rows -> the numeric matrix LightGBM reads (categorical levels fixed at training).
- ``bands``: probability -> score 1-5 by fixed bands.
- ``calibration``: Platt scaling of the model's raw margin, fitted on a time-later slice.
- ``history``: the minimum-history rule (N won and N lost in the last M months).
- ``fallback``: the smoothed account type x source win-rate table scoring until that history exists.
- ``artefact``: the versioned model artefact (JSON bytes, ready for S3).
- ``train``: time-based split, labels, LightGBM training, calibration, artefact.
- ``champion``: the champion/challenger rule.
- ``evaluate``: AUC, Brier, calibration curve, lift by score band against the fallback baseline.
- ``factors`` and ``score``: one opportunity -> probability, score and the factors behind it, in words.
- ``job``: training from the curated CRM history: artefacts, evaluations and the champion pointer in S3.

The scoring path (``score``, ``factors``, ``encoding``, ``bands``, ``calibration``, ``fallback``,
``artefact``) imports numpy and lightgbm only, not pandas, so a scoring Lambda can leave pandas out.
"""
