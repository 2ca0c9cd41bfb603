#!/usr/bin/env python3
"""Splits a server's profile samples by what they do (scripts/perf/wire-profile.sh makes the input).

Input: `perf script -F tid,comm,ip,sym` of one process. A sample goes to the first of `anywhere`
with a frame anywhere in its stack whose demangled name holds one of the keys (webhook
deliveries and the event fan-out before the requests that made them, admission before the
request it admits), else to the first of `leafFirst` found walking from the leaf (the HTTP
layers and the scheduling of whatever request they carry). Usage:
  profile-split.py STACKS            the table
  profile-split.py STACKS PREFIX     and the commonest paths of the category starting with PREFIX
"""
import sys, collections, subprocess
path = sys.argv[1]
samples = []; cur = None
for line in open(path):
    if not line.strip():
        if cur is not None: samples.append(cur); cur = None
        continue
    if not line[0].isspace():
        cur = (line.split()[0], []); continue
    parts = line.split(None, 1)
    if cur is not None and len(parts) == 2: cur[1].append(parts[1].strip())
if cur: samples.append(cur)
syms = sorted({f for _, fr in samples for f in fr})
dem = subprocess.run(['swift', 'demangle', '--simplified'], input='\n'.join(syms), capture_output=True, text=True).stdout.split('\n')
D = dict(zip(syms, dem))
anywhere = [
 ('webhooks: signing (HMAC)', ['WebhookSigner', 'WebhookSigningKey']),
 ('webhooks: endpoint parsed and keyed again (target cache miss)', ['WebhookTarget.init']),
 ('webhooks: sending, pipelining, reading answers (sender, WireHTTP)', ['WebhookSender', 'WirePipeliner', 'WireConnection', 'WebhookTarget']),
 ('event fan-out besides the sender (events made, rendered, logged)', ['PaymentEventSink']),
 ('admission (API key, rate limit)', ['PaymentSystem.admit', 'APIGateway', 'APIKeyStore', 'RateLimiter', 'APIKeyRegistry.entry', 'owner(ofAPIKey']),
 ('onboarding', ['AdminAPI.onboard', 'ServerBackend.onboard']),
 ('read: status check', ['retrievePaymentIntent']),
 ('read: list (search)', ['searchPaymentIntents']),
 ('read: payouts', ['listPayouts']),
 ('read: balance', ['StripeAPI.balance']),
 ('processor (orchestrator, process, networks, fraud, ledger, timers)', ['PaymentSystem', 'PaymentOrchestrator', 'PaymentProcess', 'CardNetwork', 'ShardedLedger', 'LedgerShard', 'Fraud', 'PaymentShard', 'ConcurrentTimers', 'NetworkMovementBook', 'BalanceMovements', 'PaymentTimelineLog']),
 ('write handlers (create, capture, cancel, refund: forms, rendering)', ['createPaymentIntent', 'capturePaymentIntent', 'cancelPaymentIntent', 'createRefund', 'confirmPaymentIntent']),
]
leafFirst = [
 ('answers written (fast path: encoder, headers)', ['Responder.write', 'HTTPResponseEncoder', 'HTTPDate', 'StripeRoutes.parts']),
 ('fast path routing and hand-off to tasks', ['APIFastPath', 'APIRoute', 'StripeMiddleware', 'completeWithTask', 'RequestReadDeadline']),
 ('Hummingbird router path (requests not on the fast path)', ['Hummingbird', 'RouterResponder', 'RouterTrie']),
 ('HTTP/1 decoding (llhttp, codec)', ['HTTPDecoder', 'BetterHTTPParser', 'llhttp', 'ByteToMessage', 'HTTP1ToHTTPServerCodec']),
 ('connections opened/closed', ['fireChannelRegistered', 'ServerBootstrap', 'ClientBootstrap', 'channelActive', 'invokeClose', 'close0', 'accept', 'connect']),
 ('socket writes (flush, writev)', ['flush0', 'flushNow', 'writeToSocket', 'Socket.write', 'writev', 'invokeFlush']),
 ('socket reads', ['readFromSocket', 'Socket.read', 'readIfNeeded']),
 ('waiting, wake-ups, task and thread scheduling', ['epoll_wait', 'futex', 'swift_task_switch', 'swift_job_run', '_blockingWaitForWork', '__schedule', 'schedule', 'dispatch', 'swift_task_enqueue', 'eventfd', 'Selector', 'SelectableEventLoop', 'swift_continuation', 'swift_task']),
]
cats = anywhere + leafFirst
other = 'other (allocation, retain/release, kernel elsewhere)'

def category(names):
    """The first `anywhere` row any frame names; else the leafmost frame's `leafFirst` row."""
    for c, keys in anywhere:
        if any(k in n for n in names for k in keys): return c
    for n in names:
        for c, keys in leafFirst:
            if any(k in n for k in keys): return c
    return None

counts = collections.Counter(); unmatched = collections.Counter(); thread = collections.Counter()
for comm, frames in samples:
    names = [D.get(f, f) for f in frames]
    cat = category(names)
    if not cat:
        cat = other; unmatched[names[0][:70] if names else '?'] += 1
    counts[cat] += 1
    thread['event loops' if comm.startswith('NIO') else 'concurrency pool' if 'qos' in comm else comm] += 1
n = len(samples)
print(f"samples {n}")
for c, _ in cats + [(other, 0)]:
    print(f"| {c} | {counts[c]*100/n:.1f}% |")
print("threads:", [(t, f"{k*100/n:.1f}%") for t, k in thread.most_common(6)])
print("other's leaves:", unmatched.most_common(12))
if len(sys.argv) > 2:
    want = sys.argv[2]
    sub = collections.Counter(); leaf = collections.Counter()
    for comm, frames in samples:
        names = [D.get(f, f) for f in frames]
        cat = category(names)
        if cat and cat.startswith(want):
            # the frames just leafward of the category's marker: print a path of 4 Paystorm-ish frames
            interesting = [n for n in names if not n.startswith('swift_') and '[unknown]' not in n][:6]
            leaf[' <- '.join(x[:50] for x in interesting[:4])] += 1
    for k, v in leaf.most_common(25): print(v, k)
