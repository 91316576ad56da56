"""The mock side of the chain profile: the mock 校務支援 → 学習eポータル (+ LRS) → 学習アプリ, started and wired
for the positions a vendor's product does not take (see ``reference``)."""
