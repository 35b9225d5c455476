// The journal's record codec, the RocksDB store, and the sequencer's durable-before-visible
// group commit and recovery.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <span>
#include <tuple>

#include "../support/ledger_test_support.h"
#include "../support/temp_dir.h"
#include "../support/test_config.h"
#include "dazong/exchange/journal_codec.h"
#include "dazong/exchange/journal_store.h"
#include "dazong/exchange/sequencer.h"
#include "dazong/warehouse_receipts/codec.h"
#include "dazong/warehouse_receipts/history.h"

namespace dazong::exchange {
namespace {

NewOrderCommand Order(uint32_t member, std::string_view cl, Side side, int64_t price_fen, int64_t qty) {
  NewOrderCommand o;
  o.session = 40 + member;
  o.member = MemberId(member);
  o.instrument = InstrumentId(1);
  o.cl_ord_id = ClOrdId::FromView(cl);
  o.side = side;
  o.tif = TimeInForce::kGtc;
  o.price = Price::FromRaw(price_fen);
  o.quantity = Quantity::FromRaw(qty);
  return o;
}

TEST(JournalCodecTest, CommandsRoundTripExactly) {
  SequencedCommand order{SeqNo(42), 1'700'000'000'123'456'789, Order(2, "abc-1", Side::kSell, 365000, 5000)};
  std::string bytes;
  EncodeCommand(order, bytes);
  auto decoded = DecodeCommand(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  std::string again;
  EncodeCommand(*decoded, again);
  EXPECT_EQ(bytes, again);
  const auto& o = std::get<NewOrderCommand>(decoded->body);
  EXPECT_EQ(decoded->seq, SeqNo(42));
  EXPECT_EQ(decoded->time, 1'700'000'000'123'456'789);
  EXPECT_EQ(o.session, 42u);
  EXPECT_EQ(o.cl_ord_id.view(), "abc-1");
  EXPECT_EQ(o.side, Side::kSell);
  EXPECT_EQ(o.price, Price::FromRaw(365000));
  EXPECT_EQ(o.quantity, Quantity::FromRaw(5000));

  SequencedCommand cancel{SeqNo(43), 7, CancelOrderCommand{3, MemberId(2), InstrumentId(1),
                                                           ClOrdId::FromView("c"), ClOrdId::FromView("abc-1"),
                                                           Side::kSell}};
  bytes.clear();
  EncodeCommand(cancel, bytes);
  auto c = DecodeCommand(bytes);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(std::get<CancelOrderCommand>(c->body).orig_cl_ord_id.view(), "abc-1");
}

TEST(JournalCodecTest, EveryCommandKindRoundTrips) {
  NewOrderCommand order = Order(1, "o", Side::kBuy, 100, 5);
  order.type = OrderType::kMarket;
  order.protection_price = Price::FromRaw(120);
  order.expire_time = 99;
  order.stp = SelfTradePrevention::kCancelBoth;
  MassCancelCommand mass{7, MemberId(), ClOrdId::FromView("m"), InstrumentId(2), false, Side::kSell, MemberId(3)};
  const std::vector<CommandBody> bodies = {
      order,
      ReplaceOrderCommand{3, MemberId(1), InstrumentId(1), ClOrdId::FromView("r"), ClOrdId::FromView("o"),
                          Side::kBuy, Price::FromRaw(101), Quantity::FromRaw(9)},
      mass,
      PhaseCommand{InstrumentId(1), PhaseCommand::Action::kSetPhase, Phase::kClosingAuction},
      TimerCommand{},
      LedgerCommandEnvelope{77, "warehouse:WH1", std::string("\x01\x00ledger", 8)},
  };
  uint64_t seq = 0;
  for (const CommandBody& body : bodies) {
    std::string bytes;
    EncodeCommand({SeqNo(++seq), 5, body}, bytes);
    auto decoded = DecodeCommand(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->body.index(), body.index());
    std::string again;
    EncodeCommand(*decoded, again);
    EXPECT_EQ(bytes, again);
  }
  std::string query;
  EncodeCommand({SeqNo(1), 5, QueryCommand{3}}, query);
  EXPECT_EQ(DecodeCommand(query).status().code(), absl::StatusCode::kDataLoss);  // never journaled
  std::string bytes;
  EncodeCommand({SeqNo(1), 5, PhaseCommand{InstrumentId(1), PhaseCommand::Action::kSetPhase, Phase::kHalted}}, bytes);
  bytes.back() = 9;  // not a phase
  EXPECT_EQ(DecodeCommand(bytes).status().code(), absl::StatusCode::kDataLoss);
}

TEST(JournalCodecTest, NamedReceiptsRoundTripAndOrdersWithoutThemKeepTheOldEncoding) {
  NewOrderCommand order = Order(2, "s-named", Side::kSell, 365000, 3000);
  ASSERT_TRUE(order.AddReceipt(11, Quantity::FromRaw(1000)));
  ASSERT_TRUE(order.AddReceipt(7, Quantity::FromRaw(2000)));
  std::string bytes;
  EncodeCommand({SeqNo(5), 9, order}, bytes);
  auto decoded = DecodeCommand(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const auto& o = std::get<NewOrderCommand>(decoded->body);
  ASSERT_EQ(o.named_receipts().size(), 2u);
  EXPECT_EQ(o.named_receipts()[0].receipt_id, 11u);
  EXPECT_EQ(o.named_receipts()[0].quantity, Quantity::FromRaw(1000));
  EXPECT_EQ(o.named_receipts()[1].receipt_id, 7u);
  EXPECT_EQ(o.named_receipts()[1].quantity, Quantity::FromRaw(2000));
  std::string again;
  EncodeCommand(*decoded, again);
  EXPECT_EQ(bytes, again);
  // Truncated inside the receipts: data loss, never a shorter list. (Cut before the count,
  // it is an order without receipts, as an old record is.)
  for (size_t cut = bytes.size() - 6; cut < bytes.size(); ++cut) {  // after the count
    EXPECT_EQ(DecodeCommand(bytes.substr(0, cut)).status().code(), absl::StatusCode::kDataLoss) << cut;
  }
  // A count of 0 or above the maximum is corrupt.
  std::string plain;
  EncodeCommand({SeqNo(5), 9, Order(2, "s-named", Side::kSell, 365000, 3000)}, plain);
  EXPECT_EQ(DecodeCommand(plain + std::string(1, '\0')).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeCommand(plain + std::string(1, static_cast<char>(kMaxNamedReceipts + 1))).status().code(),
            absl::StatusCode::kDataLoss);
  // Format 2: version, seq (varint), time (8 bytes), tag, session, member, instrument
  // (varints), ClOrdID (length + bytes), side, type, tif, price, quantity, protection price,
  // expiry (zigzag varints: 365000 fen takes 3 bytes, 3000 and 0 two and one), stp.
  EXPECT_EQ(plain.size(), 1u + 1 + 8 + 1 + 1 + 1 + 1 + 1 + 7 + 1 + 1 + 1 + 3 + 2 + 1 + 1 + 1);
  // The count, then (receipt id, quantity) as varints: (11, 1000) and (7, 2000).
  EXPECT_EQ(bytes.size(), plain.size() + 1 + (1 + 2) + (1 + 2));
  // A record written in format 1 (fixed-width integers; bytes fixed here) still decodes, to
  // the same command.
  const std::string old_record(
      "\x01" "\x05\x00\x00\x00\x00\x00\x00\x00" "\x09\x00\x00\x00\x00\x00\x00\x00" "\x01"
      "\x2a\x00\x00\x00" "\x02\x00\x00\x00" "\x01\x00\x00\x00" "\x07" "s-named" "\x02\x01\x01"
      "\xc8\x91\x05\x00\x00\x00\x00\x00" "\xb8\x0b\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00" "\x00\x00\x00\x00\x00\x00\x00\x00" "\x00",
      1u + 8 + 8 + 1 + 4 + 4 + 4 + 1 + 7 + 1 + 1 + 1 + 8 * 4 + 1);
  auto old = DecodeCommand(old_record);
  ASSERT_TRUE(old.ok()) << old.status();
  std::string rewritten;
  EncodeCommand(*old, rewritten);
  EXPECT_EQ(rewritten, plain);
  EXPECT_EQ(std::get<NewOrderCommand>(old->body).receipt_count, 0);
  EXPECT_EQ(std::get<NewOrderCommand>(old->body).quantity, Quantity::FromRaw(3000));
}

TEST(JournalCodecTest, CorruptRecordsAreDataLossNeverGarbage) {
  std::string bytes;
  EncodeCommand({SeqNo(1), 1, Order(1, "a", Side::kBuy, 100, 1)}, bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_EQ(DecodeCommand(bytes.substr(0, cut)).status().code(), absl::StatusCode::kDataLoss) << cut;
  }
  EXPECT_EQ(DecodeCommand(bytes + "x").status().code(), absl::StatusCode::kDataLoss);
  std::string bad_version = bytes;
  bad_version[0] = 9;
  EXPECT_EQ(DecodeCommand(bad_version).status().code(), absl::StatusCode::kDataLoss);
  std::string bad_side = bytes;
  bad_side[1 + 1 + 8 + 1 + 1 + 1 + 1 + 1 + 1] = 7;  // after version, seq, time, tag, ids, "a"
  EXPECT_EQ(DecodeCommand(bad_side).status().code(), absl::StatusCode::kDataLoss);
}

// A group's commands are journaled as one block; each comes back exactly, in order.
TEST(JournalCodecTest, AGroupsCommandsRoundTripAsOneBlock) {
  const std::vector<SequencedCommand> group = {
      {SeqNo(7), 70, Order(1, "b-1", Side::kBuy, 365000, 1000)},
      {SeqNo(8), 80, CancelOrderCommand{41, MemberId(1), InstrumentId(1), ClOrdId::FromView("b-2"),
                                        ClOrdId::FromView("b-1"), Side::kBuy}},
      {SeqNo(9), 90, Order(2, "s-1", Side::kSell, 364000, 3000)},
  };
  std::string block;
  std::string scratch;
  for (const SequencedCommand& cmd : group) AppendCommandToBlock(cmd, block, scratch);
  std::vector<std::string> seen;
  ASSERT_TRUE(DecodeJournalRecord(block, [&](const SequencedCommand& cmd) {
                seen.emplace_back();
                EncodeCommand(cmd, seen.back());
                return absl::OkStatus();
              }).ok());
  ASSERT_EQ(seen.size(), group.size());
  for (size_t i = 0; i < group.size(); ++i) {
    std::string expected;
    EncodeCommand(group[i], expected);
    EXPECT_EQ(seen[i], expected) << i;
  }

  // A record of one command, as journals written before blocks hold, is read too.
  std::string single;
  EncodeCommand(group[2], single);
  int count = 0;
  ASSERT_TRUE(DecodeJournalRecord(single, [&](const SequencedCommand& cmd) {
                EXPECT_EQ(cmd.seq, SeqNo(9));
                ++count;
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(count, 1);

  // A visitor's error stops the walk and is returned.
  count = 0;
  EXPECT_EQ(DecodeJournalRecord(block,
                                [&](const SequencedCommand&) {
                                  return ++count == 2 ? absl::CancelledError("stop") : absl::OkStatus();
                                })
                .code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(count, 2);
}

TEST(JournalCodecTest, ACorruptBlockIsDataLoss) {
  std::string block;
  std::string scratch;
  AppendCommandToBlock({SeqNo(1), 1, Order(1, "a", Side::kBuy, 100, 1)}, block, scratch);
  AppendCommandToBlock({SeqNo(2), 2, Order(1, "b", Side::kBuy, 100, 1)}, block, scratch);
  const auto ignore = [](const SequencedCommand&) { return absl::OkStatus(); };
  for (size_t cut = 0; cut < block.size(); ++cut) {
    EXPECT_EQ(DecodeJournalRecord(block.substr(0, cut), ignore).code(), absl::StatusCode::kDataLoss) << cut;
  }
  EXPECT_EQ(DecodeJournalRecord(block + "x", ignore).code(), absl::StatusCode::kDataLoss);
  std::string bad_inner = block;
  bad_inner[6] = 9;  // the first command's version byte, after the block's, its count and the length
  EXPECT_EQ(DecodeJournalRecord(bad_inner, ignore).code(), absl::StatusCode::kDataLoss);
}

TEST(JournalCodecTest, TradesRoundTrip) {
  TradeRecord t;
  t.trade_id = TradeId(9);
  t.seq = SeqNo(77);
  t.time = 123;
  t.instrument = InstrumentId(1);
  t.price = Price::FromRaw(365000);
  t.quantity = Quantity::FromRaw(1000);
  t.notional = Money::FromRaw(365000);
  t.aggressor = Side::kSell;
  t.buy_order = OrderId(3);
  t.buyer = MemberId(1);
  t.buy_cl_ord_id = ClOrdId::FromView("b");
  t.sell_order = OrderId(4);
  t.seller = MemberId(2);
  t.sell_cl_ord_id = ClOrdId::FromView("s");
  std::string bytes;
  EncodeTrade(t, bytes);
  auto d = DecodeTrade(bytes);
  ASSERT_TRUE(d.ok());
  std::string again;
  EncodeTrade(*d, again);
  EXPECT_EQ(bytes, again);
  EXPECT_EQ(DecodeTrade(bytes.substr(0, bytes.size() - 1)).status().code(), absl::StatusCode::kDataLoss);
}

// Records, at each delivery, the store's last seq: it must already cover every event.
class DurabilityCheckingSink final : public EventSink {
 public:
  explicit DurabilityCheckingSink(const JournalStore& store) : store_(store) {}
  void OnEvents(std::span<const Event> events) override {
    const uint64_t durable = store_.LastSeq().value();
    for (const Event& e : events) {
      EXPECT_LE(e.seq.value(), durable);
      all.push_back(e);
      // Market data (BBO, depth) is checked for durability too, but kept apart.
      if (std::holds_alternative<OrderAccepted>(e.body) || std::holds_alternative<TradeEvent>(e.body) ||
          std::holds_alternative<OrderRejected>(e.body) || std::holds_alternative<OrderCancelled>(e.body)) {
        received.push_back(e);
      }
    }
  }
  std::vector<Event> received;
  std::vector<Event> all;

 private:
  const JournalStore& store_;
};

TEST(SequencerTest, EventsAreReleasedOnlyAfterTheirCommandsAreDurable) {
  testing::TempDir dir;
  const ExchangeConfig config = testing::MakeTestConfig();
  auto store = JournalStore::Open(dir / "journal");
  ASSERT_TRUE(store.ok()) << store.status();
  ExchangeCore core(config);
  CommandQueue queue(64);
  ManualClock clock(1'000'000'000);
  Sequencer sequencer(core, **store, clock, queue);
  DurabilityCheckingSink sink(**store);
  sequencer.AddSink(&sink);
  ASSERT_TRUE(sequencer.Recover().ok());

  ASSERT_TRUE(queue.TryPush(Order(1, "s1", Side::kSell, 365000, 2000)));
  ASSERT_TRUE(queue.TryPush(Order(2, "b1", Side::kBuy, 365000, 1000)));
  ASSERT_TRUE(sequencer.ProcessAvailable().ok());
  EXPECT_EQ(sequencer.last_seq(), 2u);
  ASSERT_EQ(sink.received.size(), 3u);  // accepted, accepted, trade
  EXPECT_EQ(sink.received[0].time, 1'000'000'000);
  EXPECT_GT(sink.all.size(), sink.received.size());  // BBO and depth changes too

  // The trade is in the store with the seq of the command that made it.
  auto trade = (*store)->GetTrade(TradeId(1));
  ASSERT_TRUE(trade.ok()) << trade.status();
  EXPECT_EQ(trade->seq, SeqNo(2));
  EXPECT_EQ(trade->buy_cl_ord_id.view(), "b1");
  EXPECT_EQ(trade->quantity, Quantity::FromRaw(1000));
}

TEST(SequencerTest, TimeStampsNeverGoBackwards) {
  testing::TempDir dir;
  const ExchangeConfig config = testing::MakeTestConfig();
  auto store = JournalStore::Open(dir / "journal");
  ExchangeCore core(config);
  CommandQueue queue(64);
  ManualClock clock(5000);
  Sequencer sequencer(core, **store, clock, queue);
  DurabilityCheckingSink sink(**store);
  sequencer.AddSink(&sink);
  ASSERT_TRUE(queue.TryPush(Order(1, "a", Side::kBuy, 365000, 1000)));
  ASSERT_TRUE(sequencer.ProcessAvailable().ok());
  clock.Set(1000);  // the wall clock steps back
  ASSERT_TRUE(queue.TryPush(Order(1, "b", Side::kBuy, 365000, 1000)));
  ASSERT_TRUE(sequencer.ProcessAvailable().ok());
  ASSERT_EQ(sink.received.size(), 2u);
  EXPECT_EQ(sink.received[1].time, 5000);
}

// Records (seq, time, kind) of every event, as a catch-up consumer would see them.
class RecordingSink final : public EventSink {
 public:
  void OnEvents(std::span<const Event> events) override { Record(events); }
  void Record(std::span<const Event> events) {
    for (const Event& e : events) seen.push_back({e.seq.value(), e.time, e.body.index()});
  }
  std::vector<std::tuple<uint64_t, Timestamp, size_t>> seen;
};

TEST(SequencerTest, RecoveryReplaysTheJournalIntoTheSameState) {
  testing::TempDir dir;
  const ExchangeConfig config = testing::MakeTestConfig();
  RecordingSink live;
  {
    auto store = JournalStore::Open(dir / "journal");
    ExchangeCore core(config);
    CommandQueue queue(64);
    ManualClock clock(1);
    Sequencer sequencer(core, **store, clock, queue);
    sequencer.AddSink(&live);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(queue.TryPush(Order(1 + i % 2, "o" + std::to_string(i), i % 2 ? Side::kBuy : Side::kSell,
                                      364000 + (i % 5) * 100, 1000)));
      if (i % 3 == 0) {
        ASSERT_TRUE(sequencer.ProcessAvailable().ok());
      }
    }
    ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    EXPECT_EQ(sequencer.last_seq(), 20u);
  }
  auto store = JournalStore::Open(dir / "journal");
  ASSERT_TRUE(store.ok());
  ExchangeCore replayed(config);
  CommandQueue queue(64);
  ManualClock clock(1);
  Sequencer sequencer(replayed, **store, clock, queue);
  RecordingSink recovered;
  ASSERT_TRUE(sequencer.Recover([&](std::span<const Event> events) { recovered.Record(events); }).ok());
  EXPECT_EQ(sequencer.last_seq(), 20u);
  // Recovery hands a catch-up consumer exactly the events the sinks got live.
  EXPECT_FALSE(live.seen.empty());
  EXPECT_EQ(recovered.seen, live.seen);

  // The same commands on a fresh core give the same book.
  ExchangeCore direct(config);
  std::vector<Event> ignored;
  ASSERT_TRUE((*store)->ReadJournal(1, [&](const SequencedCommand& cmd) {
    direct.Apply(cmd, ignored);
    return absl::OkStatus();
  }).ok());
  auto dump = [](const ExchangeCore& core) {
    std::string out;
    core.book(InstrumentId(1)).ForEachOrder([&](const matching::Order& o) {
      out += std::to_string(o.id.value()) + "@" + std::to_string(o.price.raw()) + "x" +
             std::to_string(o.leaves.raw()) + ";";
    });
    return out;
  };
  EXPECT_FALSE(dump(replayed).empty());
  EXPECT_EQ(dump(replayed), dump(direct));
  EXPECT_EQ(replayed.last_trade_id(), direct.last_trade_id());
  EXPECT_GT(replayed.last_trade_id(), 0u);

  // New commands continue the sequence.
  ASSERT_TRUE(queue.TryPush(Order(1, "after", Side::kBuy, 364000, 1000)));
  ASSERT_TRUE(sequencer.ProcessAvailable().ok());
  EXPECT_EQ(sequencer.last_seq(), 21u);
}

// The size of the write-ahead log file(s) in `dir`, and of the largest.
uint64_t LargestLogFile(const std::string& dir) {
  uint64_t largest = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") largest = std::max<uint64_t>(largest, entry.file_size());
  }
  return largest;
}

// Reopens a copy of the store taken while it was open (what a killed process leaves) and
// checks that it holds exactly commands 1..`expected`.
void ExpectCopyHolds(const std::string& copy, uint64_t expected) {
  auto reopened = JournalStore::Open(copy, JournalStore::Mode::kReadWrite, {.wal_prewrite_bytes = 64 << 10});
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto last = (*reopened)->LastSeq();
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, expected);
  uint64_t next = 1;
  ASSERT_TRUE((*reopened)
                  ->ReadJournal(1,
                                [&](const SequencedCommand& c) {
                                  EXPECT_EQ(c.seq.value(), next);
                                  ++next;
                                  return absl::OkStatus();
                                })
                  .ok());
  EXPECT_EQ(next, expected + 1);
}

TEST(JournalStoreTest, PrewrittenLogFilesKeepEverySyncedBatchAcrossACrash) {
  testing::TempDir dir;
  const std::string path = dir / "journal";
  constexpr uint64_t kPrewrite = 256 << 10;
  auto store = JournalStore::Open(path, JournalStore::Mode::kReadWrite, {.wal_prewrite_bytes = kPrewrite});
  ASSERT_TRUE(store.ok()) << store.status();
  // The log RocksDB opened first is a pool file: already as large as the prewritten size.
  EXPECT_EQ((*store)->prewritten_logs(), 1u);
  EXPECT_GE(LargestLogFile(path), kPrewrite);
  JournalStore::Batch batch;
  int copies = 0;
  // ~100 bytes per batch: the log grows past its prewritten size, by plain appends, midway.
  for (uint64_t seq = 1; seq <= 4000; ++seq) {
    batch.Clear();
    batch.AddCommand(SequencedCommand{SeqNo(seq), static_cast<Timestamp>(seq),
                                      Order(1 + seq % 2, "o" + std::to_string(seq), Side::kBuy, 365000, 1000)});
    ASSERT_TRUE((*store)->Commit(batch).ok());
    if (seq == 1 || seq == 1000 || seq == 4000) {
      const std::string copy = dir / ("copy" + std::to_string(++copies));
      std::filesystem::copy(path, copy, std::filesystem::copy_options::recursive);
      if (seq == 1000) std::filesystem::copy(path, dir / "torn", std::filesystem::copy_options::recursive);
      ExpectCopyHolds(copy, seq);
    }
  }
  EXPECT_GT(LargestLogFile(path), kPrewrite);

  // A torn last write: junk right after the last record of the copy taken with 1,000 batches
  // (its log still ends in prewritten zeros), then the zeros. Recovery stops at the junk and
  // keeps every batch before it.
  const std::string torn = dir / "torn";
  std::string log_name;
  for (const auto& entry : std::filesystem::directory_iterator(torn)) {
    if (entry.path().extension() == ".log") log_name = entry.path().string();
  }
  ASSERT_FALSE(log_name.empty());
  std::string bytes(std::filesystem::file_size(log_name), '\0');
  {
    std::ifstream in(log_name, std::ios::binary);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(in.good());
  }
  size_t end = bytes.find_last_not_of('\0');
  ASSERT_NE(end, std::string::npos);
  ++end;
  ASSERT_LT(end + 64, bytes.size()) << "the copy's log should still end in prewritten zeros";
  for (size_t i = 0; i < 40; ++i) bytes[end + i] = static_cast<char>(0x5a ^ i);
  {
    std::ofstream out(log_name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ExpectCopyHolds(torn, 1000);

  // Reopened in place, the store uses the pool files made meanwhile for its new log.
  store->reset();
  auto again = JournalStore::Open(path, JournalStore::Mode::kReadWrite, {.wal_prewrite_bytes = kPrewrite});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->prewritten_logs(), 1u);
  auto last = (*again)->LastSeq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 4000u);
}

// Bytes this thread has made the kernel read from the storage device
// (/proc/thread-self/io), or -1 where the kernel does not count them.
int64_t ThreadStorageReadBytes() {
  std::ifstream io("/proc/thread-self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value) {
    if (key == "read_bytes:") return value;
  }
  return -1;
}

// A synced group's write into a prewritten log never waits for a read of the disk: the pool
// file was zeroed with direct I/O, so none of its blocks is in the page cache, and a write
// covering only part of such a block would make the kernel read the block first.
TEST(JournalStoreTest, AppendsToAPrewrittenLogNeverReadTheDisk) {
  testing::TempDir dir;
  const std::string path = dir / "journal";
  auto store = JournalStore::Open(path, JournalStore::Mode::kReadWrite, {.wal_prewrite_bytes = 1 << 20});
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_EQ((*store)->prewritten_logs(), 1u);
  const int64_t before = ThreadStorageReadBytes();
  if (before < 0) GTEST_SKIP() << "this kernel does not count a thread's storage reads";
  JournalStore::Batch batch;
  uint64_t s = 0;
  for (int group = 0; group < 300; ++group) {
    batch.Clear();
    // Groups of 1 to 7 commands: writes of many sizes, starting anywhere within a block.
    for (int k = 0; k <= group % 7; ++k) {
      ++s;
      batch.AddCommand(SequencedCommand{SeqNo(s), static_cast<Timestamp>(s),
                                        Order(1 + s % 2, "g" + std::to_string(s), Side::kSell, 365000, 1000)});
    }
    ASSERT_TRUE((*store)->Commit(batch).ok());
  }
  EXPECT_EQ(ThreadStorageReadBytes() - before, 0);
  store->reset();
  // What was written is all there.
  auto again = JournalStore::Open(path, JournalStore::Mode::kReadOnly);
  ASSERT_TRUE(again.ok()) << again.status();
  uint64_t next = 1;
  ASSERT_TRUE((*again)->ReadJournal(1, [&](const SequencedCommand& c) {
                 EXPECT_EQ(c.seq.value(), next++);
                 return absl::OkStatus();
               }).ok());
  EXPECT_EQ(next, s + 1);
}

// A journal written before blocks (one command per key) is read, continued with blocks, and
// read from any sequence number, also one inside a block.
TEST(JournalStoreTest, AJournalOfSingleCommandRecordsIsContinuedWithBlocks) {
  testing::TempDir dir;
  const std::string path = dir / "journal";
  {
    rocksdb::Options options;
    JournalStore::ConfigureOptions(options);
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    auto key = [](char prefix, uint64_t n) {
      std::string k(1, prefix);
      for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>((n >> shift) & 0xff));
      return k;
    };
    for (uint64_t seq = 1; seq <= 5; ++seq) {
      std::string value;
      EncodeCommand({SeqNo(seq), static_cast<Timestamp>(seq), Order(1, "old" + std::to_string(seq), Side::kBuy, 365000, 1000)},
                    value);
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key('J', seq), value).ok());
    }
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "M:last_seq", key('J', 5).substr(1)).ok());
  }
  auto store = JournalStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  JournalStore::Batch batch;
  for (uint64_t first : {6, 9}) {
    batch.Clear();
    for (uint64_t seq = first; seq < first + 3; ++seq) {
      batch.AddCommand({SeqNo(seq), static_cast<Timestamp>(seq), Order(2, "new" + std::to_string(seq), Side::kSell, 365000, 1000)});
    }
    ASSERT_TRUE((*store)->Commit(batch).ok());
  }
  auto last = (*store)->LastSeq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 11u);
  for (uint64_t from : {1, 3, 5, 6, 7, 8, 10, 11, 12}) {
    uint64_t next = from;
    ASSERT_TRUE((*store)->ReadJournal(from, [&](const SequencedCommand& cmd) {
                   EXPECT_EQ(cmd.seq.value(), next);
                   const std::string expected = (next <= 5 ? "old" : "new") + std::to_string(next);
                   EXPECT_EQ(std::get<NewOrderCommand>(cmd.body).cl_ord_id.view(), expected);
                   ++next;
                   return absl::OkStatus();
                 }).ok())
        << from;
    EXPECT_EQ(next, std::max<uint64_t>(from, 12)) << from;
  }
}

TEST(JournalStoreTest, ReadOnlyOpenOfAMissingStoreFails) {
  testing::TempDir dir;
  auto store = JournalStore::Open(dir / "nothing", JournalStore::Mode::kReadOnly);
  EXPECT_FALSE(store.ok());
}

// Records what the sequencer hands the API, and checks it is durable by then.
class RecordingHooks final : public SequencerHooks {
 public:
  explicit RecordingHooks(const JournalStore& store) : store_(store) {}
  void OnLedgerResult(uint64_t ticket, SeqNo seq, std::span<const receipts::LedgerEvent> events) override {
    EXPECT_GE(*store_.LastSeq(), seq.value());  // durable before it is answered
    results.push_back({ticket, std::vector<receipts::LedgerEvent>(events.begin(), events.end())});
  }
  void RunQuery(uint64_t ticket) override { queries.push_back({ticket, *store_.LastSeq()}); }
  std::vector<std::pair<uint64_t, std::vector<receipts::LedgerEvent>>> results;
  std::vector<std::pair<uint64_t, uint64_t>> queries;

 private:
  const JournalStore& store_;
};

CommandBody Envelope(uint64_t ticket, const receipts::LedgerCommand& cmd) {
  return testing::LedgerEnvelope(cmd, ticket);
}

// What dazongd wires around a ledger: a store in `path`, the ledger as the core's
// reservation ledger, a command queue, a manual clock and the sequencer.
struct LedgerRig {
  LedgerRig(const std::string& path, const ExchangeConfig& config, Timestamp t0,
            size_t queue_size = 64)
      : store(OpenStore(path)),
        ledger(config),
        core(config, &ledger),
        queue(queue_size),
        clock(t0),
        sequencer(core, *store, clock, queue, &ledger) {}
  static std::unique_ptr<JournalStore> OpenStore(const std::string& path) {
    auto opened = JournalStore::Open(path);
    if (!opened.ok()) {
      std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), opened.status().ToString().c_str());
      std::abort();
    }
    return *std::move(opened);
  }
  std::unique_ptr<JournalStore> store;
  receipts::Ledger ledger;
  ExchangeCore core;
  CommandQueue queue;
  ManualClock clock;
  Sequencer sequencer;
};

TEST(SequencerLedgerTest, LedgerCommandsAndSettlementAreDurableWithTheJournalAndRecover) {
  testing::TempDir dir;
  const ExchangeConfig config = testing::MakeLedgerConfig();
  const Timestamp t0 = testing::LedgerT0();
  using receipts::Principal;
  receipts::LedgerSnapshot before;
  {
    LedgerRig rig(dir / "journal", config, t0);
    [[maybe_unused]] auto& [store, ledger, core, queue, clock, sequencer] = rig;
    RecordingHooks hooks(*store);
    sequencer.SetHooks(&hooks);
    ASSERT_TRUE(sequencer.Recover().ok());
    const auto wh = Principal::Warehouse("WH1");
    ASSERT_TRUE(queue.TryPush(Envelope(1, receipts::ReportStock{wh, "rebar", "HRB400E", Quantity::FromRaw(100000)})));
    ASSERT_TRUE(queue.TryPush(Envelope(2, receipts::RegisterReceipt{wh, 1, "M1", testing::Elements("rebar", "HRB400E", 5000, {"L1"})})));
    ASSERT_TRUE(queue.TryPush(Envelope(3, receipts::RegisterReceipt{wh, 2, "M1", testing::Elements("rebar", "HRB400E", 5000, {"L2"})})));
    ASSERT_TRUE(queue.TryPush(Envelope(4, receipts::Deposit{Principal::Bank("B1"), "M2", Money::FromRaw(100'000'000), "d"})));
    // A forged envelope (the principal is not the command's actor) and a garbage payload.
    LedgerCommandEnvelope forged = std::get<LedgerCommandEnvelope>(
        Envelope(5, receipts::Deposit{Principal::Bank("B1"), "M2", Money::FromRaw(1), "x"}));
    forged.principal = "bank:B2";
    ASSERT_TRUE(queue.TryPush(forged));
    ASSERT_TRUE(queue.TryPush(LedgerCommandEnvelope{6, "bank:B1", "garbage"}));
    ASSERT_TRUE(queue.TryPush(QueryCommand{7}));
    ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    ASSERT_EQ(hooks.results.size(), 6u);
    EXPECT_EQ(hooks.results[1].first, 2u);
    EXPECT_TRUE(std::holds_alternative<receipts::ReceiptIssued>(hooks.results[1].second.at(0).body));
    EXPECT_TRUE(std::holds_alternative<receipts::Rejected>(hooks.results[4].second.at(0).body));
    EXPECT_TRUE(std::holds_alternative<receipts::Rejected>(hooks.results[5].second.at(0).body));
    ASSERT_EQ(hooks.queries.size(), 1u);
    EXPECT_EQ(hooks.queries[0].second, 6u);  // after the commit of everything queued before it

    // A sell of 8 t across both receipts, bought by M2: settled in the same group commit.
    ASSERT_TRUE(queue.TryPush(Order(1, "s", Side::kSell, 365000, 8000)));
    ASSERT_TRUE(queue.TryPush(Order(2, "b", Side::kBuy, 365000, 8000)));
    ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    EXPECT_EQ(core.last_trade_id(), 1u);
    EXPECT_EQ(ledger.state().settled_trades.size(), 1u);
    EXPECT_EQ(ledger.settlement_anomalies(), 0u);
    // The store holds exactly the ledger's history, and the verifier rebuilds the ledger's
    // state from the stored records alone.
    std::vector<receipts::HistoryRecord> stored;
    receipts::Hash prev{};
    ASSERT_TRUE(store->ReadHistory(0, ~uint64_t{0}, [&](uint64_t i, std::string_view record) {
                      EXPECT_EQ(record, ledger.history().encoded(i)) << "record " << i;
                      auto decoded = receipts::DecodeHistoryRecord(record, prev);
                      if (!decoded.ok()) return decoded.status();
                      prev = decoded->hash;
                      stored.push_back(*std::move(decoded));
                      return absl::OkStatus();
                    })
                    .ok());
    before = ledger.Snapshot();
    EXPECT_EQ(stored.size(), before.history.size());
    auto meta = store->GetLedgerMeta();
    ASSERT_TRUE(meta.ok());
    EXPECT_EQ(*meta, before.meta);
    receipts::HistoryReport report =
        receipts::VerifyHistory(ledger.config(), stored, &ledger.state());
    EXPECT_TRUE(report.ok) << report.discrepancy;
    EXPECT_EQ(report.records, stored.size());
  }
  // Recovery replays the journal into a fresh ledger, equal to the stored records.
  LedgerRig rig(dir / "journal", config, t0);
  [[maybe_unused]] auto& [store, ledger, core, queue, clock, sequencer] = rig;
  ASSERT_TRUE(sequencer.Recover().ok());
  EXPECT_EQ(ledger.Snapshot().receipts, before.receipts);
  EXPECT_EQ(ledger.state().meta, before.meta);
}

TEST(SequencerLedgerTest, RecoveryRefusesLedgerRecordsThatDifferFromTheJournal) {
  testing::TempDir dir;
  const ExchangeConfig config = testing::MakeLedgerConfig();
  {
    LedgerRig rig(dir / "journal", config, testing::LedgerT0());
    [[maybe_unused]] auto& [store, ledger, core, queue, clock, sequencer] = rig;
    ASSERT_TRUE(queue.TryPush(Envelope(1, receipts::Deposit{receipts::Principal::Bank("B1"), "M2", Money::FromRaw(500), "d"})));
    ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    // A ledger record written behind the sequencer's back (no journal record for it).
    receipts::Ledger other(config);
    std::vector<receipts::LedgerEvent> out;
    other.Apply(receipts::Deposit{receipts::Principal::Bank("B1"), "M2", Money::FromRaw(900), "d"}, SeqNo(1), 1, out);
    JournalStore::Batch batch;
    batch.AddLedgerChanges(other, other.TakeChanges());
    ASSERT_TRUE(store->Commit(batch).ok());
  }
  LedgerRig rig(dir / "journal", config, 1);
  [[maybe_unused]] auto& [store, ledger, core, queue, clock, sequencer] = rig;
  EXPECT_EQ(sequencer.Recover().code(), absl::StatusCode::kDataLoss);
}

// A sell naming its receipts is journaled with them: recovery reserves the same receipts (not
// the member's oldest), so the recovered ledger equals the stored one.
TEST(SequencerLedgerTest, ANamedReceiptReservationIsReplayedExactly) {
  testing::TempDir dir;
  const ExchangeConfig config = testing::MakeLedgerConfig();
  const Timestamp t0 = testing::LedgerT0();
  using receipts::Principal;
  receipts::LedgerSnapshot before;
  receipts::ReceiptId newer;
  {
    LedgerRig rig(dir / "journal", config, t0);
    [[maybe_unused]] auto& [store, ledger, core, queue, clock, sequencer] = rig;
    ASSERT_TRUE(sequencer.Recover().ok());
    const auto wh = Principal::Warehouse("WH1");
    ASSERT_TRUE(queue.TryPush(Envelope(1, receipts::ReportStock{wh, "rebar", "HRB400E", Quantity::FromRaw(100000)})));
    ASSERT_TRUE(queue.TryPush(Envelope(2, receipts::RegisterReceipt{wh, 1, "M1", testing::Elements("rebar", "HRB400E", 5000, {"L1"})})));
    ASSERT_TRUE(queue.TryPush(Envelope(3, receipts::RegisterReceipt{wh, 2, "M1", testing::Elements("rebar", "HRB400E", 5000, {"L2"})})));
    ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    for (const auto& [id, r] : ledger.state().receipts) {
      if (r.serial == 2) newer = id;
    }
    ASSERT_TRUE(newer.valid());
    NewOrderCommand sell = Order(1, "s-named", Side::kSell, 365000, 3000);
    sell.AddReceipt(newer.value(), Quantity::FromRaw(3000));
    ASSERT_TRUE(queue.TryPush(sell));
    ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    ASSERT_EQ(ledger.state().orders.size(), 1u);
    ASSERT_EQ(ledger.state().orders.begin()->second.receipts.size(), 1u);
    EXPECT_EQ(ledger.state().orders.begin()->second.receipts[0].receipt, newer);
    before = ledger.Snapshot();
  }
  LedgerRig rig(dir / "journal", config, t0);
  [[maybe_unused]] auto& [store, ledger, core, queue, clock, sequencer] = rig;
  absl::Status recovered = sequencer.Recover();
  ASSERT_TRUE(recovered.ok()) << recovered;
  EXPECT_EQ(ledger.Snapshot().orders, before.orders);
  EXPECT_EQ(ledger.Snapshot().receipts, before.receipts);
  ASSERT_EQ(ledger.state().orders.size(), 1u);
  EXPECT_EQ(ledger.state().orders.begin()->second.receipts.at(0).receipt, newer);
}

}  // namespace
}  // namespace dazong::exchange

namespace dazong::exchange {
namespace {

// The ledger keeps only recent history in memory once the store holds it; older records,
// per-receipt history and recovery read them back from the store, unchanged.
TEST(SequencerLedgerTest, HistoryTrimmedFromMemoryIsReadBackFromTheStore) {
  testing::TempDir dir;
  const ExchangeConfig config = testing::MakeLedgerConfig();
  using receipts::Principal;
  const auto wh = Principal::Warehouse("WH1");
  const auto bank = Principal::Bank("B1");
  std::vector<std::string> all;  // every record as first written
  receipts::Hash head{};
  {
    LedgerRig rig(dir / "journal", config, testing::LedgerT0(), 1024);
    [[maybe_unused]] auto& [store, ledger, core, queue, clock, sequencer] = rig;
    ASSERT_TRUE(sequencer.Recover().ok());
    ASSERT_TRUE(queue.TryPush(Envelope(1, receipts::ReportStock{wh, "rebar", "HRB400E",
                                                                Quantity::FromRaw(1'000'000'000)})));
    ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    // Deposits until well past the in-memory window: one history record each.
    const uint64_t target = receipts::Ledger::kHistoryKeptInMemory + 150'000;
    uint64_t ticket = 2;
    while (ledger.history().size() < target) {
      for (int i = 0; i < 500; ++i) {
        ASSERT_TRUE(queue.TryPush(Envelope(ticket++, receipts::Deposit{bank, "M2", Money::FromRaw(1), "d"})));
      }
      ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    }
    ASSERT_TRUE(queue.TryPush(Envelope(ticket++, receipts::RegisterReceipt{
        wh, 1, "M1", testing::Elements("rebar", "HRB400E", 5000, {"L1"})})));
    ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    const receipts::HistoryLog& log = ledger.history();
    EXPECT_GT(log.first_in_memory(), 0u) << "nothing was trimmed";
    EXPECT_LE(log.size() - log.first_in_memory(),
              receipts::Ledger::kHistoryKeptInMemory + (uint64_t{4} << 20) / 40);
    // Records before the window come back from the store, decoded and chained.
    receipts::Hash prev{};
    uint64_t n = 0;
    ASSERT_TRUE(log.ForEach(0, log.size(), [&](const receipts::HistoryRecord& rec) {
                     EXPECT_EQ(rec.index, n++);
                     EXPECT_EQ(rec.prev_hash, prev);
                     EXPECT_EQ(rec.hash, receipts::ComputeRecordHash(prev, rec.index, rec.event));
                     prev = rec.hash;
                     std::string bytes;
                     receipts::EncodeHistoryRecord(rec, bytes);
                     all.push_back(bytes);
                     return absl::OkStatus();
                   })
                    .ok());
    EXPECT_EQ(n, log.size());
    EXPECT_EQ(prev, ledger.state().meta.history_head);
    EXPECT_TRUE(std::holds_alternative<receipts::StockReported>(log[0].event.body));
    EXPECT_TRUE(std::holds_alternative<receipts::ReceiptIssued>(log.back().event.body));
    EXPECT_EQ(ledger.ReceiptHistory(receipts::ReceiptId(1)).size(), 1u);
    // The full verifier rebuilds the state from memory and store together.
    receipts::HistoryReport report = receipts::VerifyHistory(ledger.config(), log, &ledger.state());
    EXPECT_TRUE(report.ok) << report.discrepancy;
    head = ledger.state().meta.history_head;
  }
  // Recovery compares the replay with the store as it goes and trims as well.
  LedgerRig rig(dir / "journal", config, testing::LedgerT0());
  [[maybe_unused]] auto& [store, ledger, core, queue, clock, sequencer] = rig;
  ASSERT_TRUE(sequencer.Recover().ok());
  EXPECT_EQ(ledger.state().meta.history_head, head);
  EXPECT_GT(ledger.history().first_in_memory(), 0u);
  ASSERT_EQ(ledger.history().size(), all.size());
  std::string bytes;
  receipts::EncodeHistoryRecord(ledger.history()[7], bytes);
  EXPECT_EQ(bytes, all[7]);
}

// Opens the store's RocksDB directly and rewrites the stored ledger history block that starts
// at record `first_index` ("H" + big-endian index) with `edit`.
void EditStoredHistoryBlock(const std::filesystem::path& journal, uint64_t first_index,
                            const std::function<void(std::string&)>& edit) {
  rocksdb::Options options;
  JournalStore::ConfigureOptions(options);
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, journal.string(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string key(1, 'H');
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>((first_index >> shift) & 0xff));
  std::string value;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), key, &value).ok());
  edit(value);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
}

// A data directory whose ledger history is in an older format is refused at recovery, with a
// message naming the format (the history cannot be carried over; the journal can).
TEST(SequencerLedgerTest, AStoreWithOlderLedgerHistoryIsRefusedNamingItsFormat) {
  testing::TempDir dir;
  const ExchangeConfig config = testing::MakeLedgerConfig();
  const auto wh = receipts::Principal::Warehouse("WH1");
  {
    LedgerRig rig(dir / "journal", config, testing::LedgerT0());
    [[maybe_unused]] auto& [store, ledger, core, queue, clock, sequencer] = rig;
    ASSERT_TRUE(sequencer.Recover().ok());
    ASSERT_TRUE(queue.TryPush(Envelope(1, receipts::ReportStock{wh, "rebar", "HRB400E",
                                                                Quantity::FromRaw(1000)})));
    ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    ASSERT_EQ(ledger.history().size(), 1u);
  }
  // Rewrite the stored block's format byte as an older build would have written it.
  EditStoredHistoryBlock(dir / "journal", 0, [](std::string& value) {
    ASSERT_EQ(static_cast<uint8_t>(value[0]), receipts::kLedgerEventFormatVersion);
    value[0] = 2;
  });
  LedgerRig rig(dir / "journal", config, testing::LedgerT0());
  const absl::Status s = rig.sequencer.Recover();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("format 2"), std::string_view::npos) << s;
}

// Each stored block carries the chain head before its first record; reading across blocks
// checks it against the last hash of the block before.
TEST(SequencerLedgerTest, ABlockWhoseHeadDoesNotChainIsDataLoss) {
  testing::TempDir dir;
  const ExchangeConfig config = testing::MakeLedgerConfig();
  const auto wh = receipts::Principal::Warehouse("WH1");
  uint64_t second_block = 0;
  {
    LedgerRig rig(dir / "journal", config, testing::LedgerT0());
    [[maybe_unused]] auto& [store, ledger, core, queue, clock, sequencer] = rig;
    ASSERT_TRUE(sequencer.Recover().ok());
    for (uint64_t ticket = 1; ticket <= 2; ++ticket) {  // two groups: two blocks
      ASSERT_TRUE(queue.TryPush(Envelope(ticket, receipts::ReportStock{
          wh, "rebar", "HRB400E", Quantity::FromRaw(static_cast<int64_t>(1000 * ticket))})));
      ASSERT_TRUE(sequencer.ProcessAvailable().ok());
      if (ticket == 1) second_block = ledger.history().size();
    }
    ASSERT_TRUE(store->ReadHistory(0, ~uint64_t{0}, [](uint64_t, std::string_view) {
                       return absl::OkStatus();
                     }).ok());
  }
  ASSERT_EQ(second_block, 1u);
  EditStoredHistoryBlock(dir / "journal", second_block, [](std::string& value) {
    value[3] = static_cast<char>(value[3] ^ 1);  // version, type, index (one byte), then the head
  });
  auto store = JournalStore::Open(dir / "journal");
  ASSERT_TRUE(store.ok());
  const absl::Status s = (*store)->ReadHistory(
      0, ~uint64_t{0}, [](uint64_t, std::string_view) { return absl::OkStatus(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("does not chain"), std::string_view::npos) << s;
}

}  // namespace
}  // namespace dazong::exchange
