import Scenarios

/// The k6-style end-of-run summary of `paystorm run`.
struct RunSummary {
    var report: RunReport

    var text: String {
        (headline + generatorRows + moneyRows + resourceRows + restartRows + wireRows + readRows + [""]
            + checkRows + ["", "digest \(report.digest)", "result: \(report.verdict)"]).joined(
                separator: "\n")
    }

    /// What ran, and the payments, throughput and latency it reached.
    private var headline: [String] {
        let p = report.payments
        let l = report.latencyMilliseconds
        return [
            "paystorm run: \(report.scenario) (\(report.mode), seed \(report.seed)), "
                + "\(Format.fixed(report.durationSeconds, 1)) s simulated in \(Format.fixed(report.wallSeconds, 1)) s wall "
                + "(\(allocatorName))",
            "",
            row(
                "payments",
                "\(Format.count(p.attempted)) attempted · \(Format.count(p.succeeded)) captured · "
                    + "\(Format.count(p.authorizedOnly)) authorized only · \(Format.count(p.voided)) voided · "
                    + "\(Format.count(p.expired)) expired · \(Format.count(p.declined)) declined · "
                    + "\(Format.count(p.blocked)) blocked · \(Format.count(p.abandoned3DS)) abandoned 3DS · "
                    + "\(Format.count(p.rateLimited)) rate limited · \(Format.count(p.amountRefused)) amount refused · "
                    + "\(Format.count(p.errors)) errors · \(Format.count(p.timeoutsResolved)) timeouts resolved"
            ),
            row(
                "after capture",
                "\(Format.count(p.refundedFull)) refunded in full · \(Format.count(p.refundedPartial)) in part · "
                    + "\(Format.count(p.disputed)) disputed · \(Format.count(p.idempotentReplays)) idempotent replays · "
                    + "\(Format.count(p.clientRetries)) client retries"
            ),
            row(
                "tps",
                "achieved \(Format.fixed(report.tps.achievedAverage, 1)) avg (target \(Format.fixed(report.tps.targetAverage, 1)), "
                    + "peak target \(Format.fixed(report.tps.targetPeak, 0)); "
                    + "\(Format.fixed(report.tps.achievedToTargetRatio * 100, 2))% of expected arrivals)"),
            row(
                "peak stage",
                "answered \(Format.fixed(report.tps.achievedPeak, 1)) TPS, "
                    + "\(Format.fixed(report.tps.peakAnsweredToDueRatio * 100, 2))% of the arrivals due in it"
            ),
            row(
                "authorize",
                "p50 \(Format.fixed(l.p50, 1)) ms · p90 \(Format.fixed(l.p90, 1)) · p99 \(Format.fixed(l.p99, 1)) · "
                    + "p99.9 \(Format.fixed(l.p999, 1)) · max \(Format.fixed(l.max, 1))"),
            row(
                "dispatch delay",
                "p99 \(Format.fixed(report.dispatchDelayMilliseconds.p99, 2)) ms · max \(Format.fixed(report.dispatchDelayMilliseconds.max, 2)) ms"
                    + (report.generator.fellBehind
                        ? " · GENERATOR FELL BEHIND (\(report.generator.lateDispatches) late dispatches)"
                        : "")),
        ]
    }

    /// Each stage's answers against its arrivals due (where a run that could not keep up broke), the
    /// generator's bound, admission and onboarding.
    private var generatorRows: [String] {
        var lines: [String] = []
        let stages = report.stages.map { stage in
            "\(stage.stage): \(Format.fixed(stage.targetTPS, 0)) TPS \(Format.count(stage.answered))/"
                + "\(Format.count(stage.due)) \(Format.fixed(stage.answeredToDueRatio * 100, 1))%"
                + (stage.judged
                    ? ""
                    : stage.due < RunReport.StageFigures.minimumDueJudged
                        ? " (too few to judge)" : " (not judged)")
        }
        if !stages.isEmpty { lines.append(row("stages", stages.joined(separator: " · "))) }
        if let bound = report.generator.maxInFlight {
            let generator = report.generator
            var bounded = "at most \(Format.count(bound)) journeys"
            if let perJourney = generator.waitingJourneysPerJourney,
                let sending = generator.journeyBytesEstimate,
                let waiting = generator.waitingJourneyBytesEstimate
            {
                bounded +=
                    ", \(perJourney) waiting for their next step counting as one (default: a "
                    + "\(Format.fixed(Double(generator.memoryBudgetMB ?? 0), 0)) MB budget at "
                    + "\(Format.fixed(Double(sending) / 1024, 1)) KB a journey that sends, "
                    + "\(Format.fixed(Double(waiting) / 1024, 1)) KB one that waits)"
            }
            lines.append(
                row(
                    "in flight",
                    "\(bounded); \(Format.count(generator.droppedArrivals)) "
                        + "arrivals dropped at the bound (never sent, unanswered in their stage)"))
        }
        if let admission = report.admission {
            lines.append(
                row(
                    "admission",
                    "\(Format.count(Int(admission.shed))) shed with 429 (merchant limit "
                        + "\(Format.count(Int(admission.shedMerchantLimit))), queue full "
                        + "\(Format.count(Int(admission.shedQueueFull))), queue timeout "
                        + "\(Format.count(Int(admission.shedQueueTimeout)))) of "
                        + "\(Format.count(Int(admission.admitted + admission.shed))) requests; "
                        + "in flight peak \(Format.count(admission.inFlightPeak)) of \(Format.count(admission.inFlightMax)); "
                        + "admitted create p99 \(Format.fixed(admission.admittedCreateLatencyMilliseconds.p99, 1)) ms"
                ))
        }
        if report.generator.merchantsOnboardedBeforeLoad > 0 {
            lines.append(
                row(
                    "merchants",
                    "\(Format.count(report.generator.merchantsOnboardedBeforeLoad)) onboarded before the load"
                ))
        }
        return lines
    }

    /// Declines, fraud, webhooks, payouts and the ledger per currency.
    private var moneyRows: [String] {
        var lines: [String] = []
        let declines = report.declines.sorted { $0.value > $1.value }.map {
            "\($0.key) \(Format.count($0.value))"
        }
        lines.append(row("declines", declines.isEmpty ? "none" : declines.joined(separator: " · ")))
        let f = report.fraud
        lines.append(
            row(
                "fraud",
                "\(f.blocked) blocked · \(f.challenged) challenged · precision \(Format.fixed(f.precision, 3)) · "
                    + "recall \(Format.fixed(f.recall, 3))"))
        let w = report.webhooks
        lines.append(
            row(
                "webhooks",
                "\(Format.count(w.events)) events · \(Format.count(w.delivered)) delivered · \(Format.count(w.retried)) retried · "
                    + "\(w.deadLettered) dead-lettered · \(w.pending) pending"))
        for payout in report.settlement {
            lines.append(
                row(
                    "payouts \(payout.currency)",
                    "\(payout.amount) \(payout.currency) in \(Format.count(payout.payouts)) payouts"))
        }
        for line in report.ledger {
            lines.append(
                row(
                    "ledger \(line.currency)",
                    "debits \(line.debits) = credits \(line.credits) · imbalance \(line.imbalance) · "
                        + "\(Format.count(line.transfers)) transfers"))
        }
        return lines
    }

    /// Memory and CPU; where a resumed run started; the journal's snapshots.
    private var resourceRows: [String] {
        var lines: [String] = []
        if let m = report.memory {
            lines.append(
                row(
                    "memory",
                    (m.residentMBAfterFirstMinute.map { "RSS \(Format.fixed($0, 0)) MB after 1 min · " }
                        ?? "RSS ")
                        + "\(Format.fixed(m.residentMBAtEnd, 0)) MB at end · max \(Format.fixed(m.residentMBMax, 0)) MB"
                ))
        }
        if let c = report.cpu {
            lines.append(
                row(
                    "cpu",
                    "\(Format.fixed(c.userSeconds, 1)) s user + \(Format.fixed(c.systemSeconds, 1)) s system · "
                        + "\(Format.fixed(c.cores, 2)) of one core over the run's wall time"))
        }
        if let r = report.resumedFrom {
            lines.append(
                row(
                    "resumed",
                    (r.snapshotPosition.map { "from snapshot at position \($0) · " } ?? "")
                        + "\(Format.count(r.recordsReplayed)) records replayed · \(Format.count(r.paymentsRecovered)) payments · "
                        + "\(r.transfersRolledForward) rolled forward · "
                        + "\(r.webhooksRedelivered) webhooks owed · \(r.paymentsRepaired) repaired while serving · "
                        + "serving \(Format.fixed(r.restartToServingMsMax, 1)) ms after the restart began"))
        }
        if let s = report.snapshots {
            lines.append(
                row(
                    "snapshots",
                    "\(s.written) written (every \(Format.count(s.every)) records) · last at position "
                        + "\(Format.count(Int(clamping: s.lastPosition))) · \(Format.count(s.lastBytes)) bytes (largest "
                        + "\(Format.count(s.largestBytes)))"
                        + (s.failures > 0 ? " · \(s.failures) failed: \(s.lastFailure ?? "")" : "")))
        }
        return lines
    }

    /// Crashes of the process and restarts of a service.
    private var restartRows: [String] {
        var lines: [String] = []
        if let r = report.recovery {
            lines.append(
                row(
                    "crashes",
                    "\(r.crashes) crashed and recovered · \(Format.count(r.answersLost)) answers lost and resent · "
                        + "\(Format.count(r.recordsReplayed)) records replayed · \(Format.count(r.paymentsRecovered)) payments · "
                        + "\(r.transfersRolledForward) rolled forward · "
                        + "\(r.keysResumable) keys resumed · \(r.paymentsRepaired) repaired · "
                        + "restart to serving \(Format.fixed(r.restartToServingMsMax, 1)) ms max, to first answer "
                        + "\(Format.fixed(r.restartToFirstAnswerMsMax, 1)) ms max"))
        }
        if let r = report.serviceRestarts {
            lines.append(
                row(
                    "restarts",
                    "webhook dispatcher \(r.crashes) crashed · \(r.restarts) restarted · "
                        + "\(Format.count(r.deliveriesAbandoned)) deliveries abandoned · "
                        + "\(Format.count(r.eventsLeftToJournal)) events left to the journal · "
                        + "\(Format.count(r.owedInJournal)) owed in the journal · "
                        + "\(Format.count(r.handedOver)) handed over · "
                        + "\(Format.count(report.webhooks.duplicatesIgnored)) duplicates ignored"))
        }
        return lines
    }

    /// A run over the wire: what it checked against the API, webhooks received, faults switched.
    private var wireRows: [String] {
        var lines: [String] = []
        if let wire = report.wire {
            lines.append(
                row(
                    "wire",
                    "\(wire.target) · \(Format.count(wire.paymentsChecked)) payments checked against the API · "
                        + "\(Format.count(wire.answersLost)) answers lost and sent again · "
                        + "\(Format.count(wire.createsShed)) creates shed by the runner (never sent) · "
                        + "\(Format.count(wire.disputesNotSent)) disputes not sent (no API for the bank's side) · "
                        + "audit \(wire.auditChecked ? "read" : "not available")"))
            if let latency = wire.webhookLatencyMilliseconds {
                lines.append(
                    row(
                        "webhooks in",
                        "\(Format.count(report.webhooks.delivered)) events received · "
                            + "\(Format.count(report.webhooks.duplicatesIgnored)) duplicates ignored · "
                            + "\(Format.count(report.webhooks.retried)) refused by faults · after the "
                            + "acknowledgement p50 \(Int(latency.p50)) ms, p99 \(Int(latency.p99)) ms"))
            }
            lines.append(
                row(
                    "wire faults",
                    "\(wire.faultsSwitched) switched through /admin/faults · \(wire.faultsRefused) refused"
                        + (wire.faultsNotInjected.isEmpty
                            ? "" : " · not injected: " + wire.faultsNotInjected.joined(separator: "; "))))
            for (label, client) in [
                ("journeys' wire", wire.journeysClient), ("reads' wire", wire.readsClient),
            ] {
                guard let client else { continue }
                let wait = client.connectionWaitMilliseconds
                let answer = client.answerMilliseconds
                lines.append(
                    row(
                        label,
                        "waited for a connection p50 \(Self.milliseconds(wait.p50)) p99 \(Self.milliseconds(wait.p99)) · "
                            + "sent to answered p50 \(Self.milliseconds(answer.p50)) p99 \(Self.milliseconds(answer.p99))"
                    ))
            }
            let journeysUnanswered = wire.journeysClient?.unansweredByReason ?? [:]
            let readsUnanswered = wire.readsClient?.unansweredByReason ?? [:]
            if !journeysUnanswered.isEmpty || !readsUnanswered.isEmpty {
                lines.append(
                    row(
                        "unanswered",
                        "journeys' requests: \(Self.counts(journeysUnanswered)) · "
                            + "reads: \(Self.counts(readsUnanswered))"))
            }
            lines.append(row("not checked", wire.notChecked.joined(separator: ", ")))
        }
        return lines
    }

    /// The read traffic per kind.
    private var readRows: [String] {
        var lines: [String] = []
        for read in report.reads ?? [] {
            lines.append(
                row(
                    "reads",
                    "\(read.kind) \(Format.count(read.sent)) sent · \(Format.count(read.succeeded)) ok · "
                        + "\(Format.count(read.notServed)) not served (404) · \(Format.count(read.failed)) failed"
                        + (read.failedByStatus.isEmpty ? "" : " (\(Self.counts(read.failedByStatus)))")
                        + " · "
                        + (read.shed > 0
                            ? "\(Format.count(read.shed)) shed by the runner (never sent) · " : "")
                        + "p50 \(Self.milliseconds(read.latencyMilliseconds.p50)) p99 \(Self.milliseconds(read.latencyMilliseconds.p99))"
                ))
        }
        return lines
    }

    /// Each invariant and threshold, held or not.
    private var checkRows: [String] {
        var lines: [String] = []
        for invariant in report.invariants {
            var text = "  \(invariant.holds ? "✓" : "✗") \(invariant.name)"
            if !invariant.holds {
                text +=
                    ": \(invariant.violations) violations, e.g. \(invariant.examples.joined(separator: "; "))"
            }
            lines.append(text)
        }
        for threshold in report.thresholds {
            lines.append(
                "  \(threshold.passed ? "✓" : "✗") \(threshold.metric) \(threshold.condition) "
                    + (threshold.value.map { "(actual \(Format.fixed($0, 3)))" }
                        ?? "(no figure in this run: memory is sampled once a minute of its clock)"))
        }
        return lines
    }

    /// Counts by name, largest first: `late 3, closed_new 1`; `none` when there are none.
    static func counts(_ counts: [String: Int]) -> String {
        guard !counts.isEmpty else { return "none" }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { "\($0.key) \(Format.count($0.value))" }.joined(separator: ", ")
    }

    static func milliseconds(_ value: Double) -> String {
        value < 10 ? "\((value * 100).rounded() / 100) ms" : "\(Int(value.rounded())) ms"
    }

    private func row(_ label: String, _ value: String) -> String {
        "  " + label.padding(toLength: 16, withPad: " ", startingAt: 0) + value
    }
}
