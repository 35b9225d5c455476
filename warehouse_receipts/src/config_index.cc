#include <algorithm>
#include <string>

#include "dazong/warehouse_receipts/state.h"

namespace dazong::receipts {

ConfigIndex::ConfigIndex(const ExchangeConfig& config, std::string settlement_bank)
    : config_(config), settlement_bank_(std::move(settlement_bank)) {
  for (const WarehouseConfig& w : config.warehouses) {
    warehouses_by_code_.emplace(w.code, &w);
    absl::StatusOr<Timestamp> end = EndOfDayCst(w.licence_expiry);
    licence_end_.push_back(end.ok() ? *end : 0);
  }
  for (const MemberConfig& m : config.members) members_by_code_.emplace(m.code, &m);
  for (const BankConfig& b : config.banks) banks_.insert(b.code);
  for (const SupervisorConfig& s : config.supervisors) supervisors_.insert(s.code);
  for (const InstrumentConfig& ins : config.instruments) {
    std::vector<WarehouseId> ids;
    for (const std::string& code : ins.warehouses) {
      const WarehouseConfig* w = Warehouse(code);
      if (w != nullptr) ids.push_back(w->id);
    }
    accepted_.push_back(std::move(ids));
  }
}

const WarehouseConfig* ConfigIndex::Warehouse(std::string_view code) const {
  auto it = warehouses_by_code_.find(std::string(code));
  return it == warehouses_by_code_.end() ? nullptr : it->second;
}

const WarehouseConfig* ConfigIndex::Warehouse(WarehouseId id) const {
  if (!id.valid() || id.value() > config_.warehouses.size()) return nullptr;
  return &config_.warehouses[id.value() - 1];
}

Timestamp ConfigIndex::LicenceEnd(WarehouseId id) const {
  if (!id.valid() || id.value() > licence_end_.size()) return 0;
  return licence_end_[id.value() - 1];
}

bool ConfigIndex::StoresCommodity(WarehouseId id, std::string_view commodity) const {
  const WarehouseConfig* w = Warehouse(id);
  return w != nullptr &&
         std::find(w->commodities.begin(), w->commodities.end(), commodity) != w->commodities.end();
}

bool ConfigIndex::IsAffiliate(WarehouseId id, std::string_view member_code) const {
  const WarehouseConfig* w = Warehouse(id);
  return w != nullptr &&
         std::find(w->affiliates.begin(), w->affiliates.end(), member_code) != w->affiliates.end();
}

int ConfigIndex::SerialWidth(WarehouseId id) const {
  const WarehouseConfig* w = Warehouse(id);
  if (w == nullptr) return 1;
  return static_cast<int>(std::to_string(w->receipt_range_last).size());
}

std::string ConfigIndex::ReceiptNumber(WarehouseId id, uint64_t serial) const {
  const WarehouseConfig* w = Warehouse(id);
  std::string digits = std::to_string(serial);
  const size_t width = static_cast<size_t>(SerialWidth(id));
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return (w == nullptr ? std::string() : w->receipt_prefix) + digits;
}

const MemberConfig* ConfigIndex::Member(std::string_view code) const {
  auto it = members_by_code_.find(std::string(code));
  if (it == members_by_code_.end() || !it->second->enabled) return nullptr;
  return it->second;
}

const MemberConfig* ConfigIndex::Member(MemberId id) const {
  const MemberConfig* m = config_.FindMember(id);
  return m != nullptr && m->enabled ? m : nullptr;
}

bool ConfigIndex::IsBank(std::string_view code) const { return banks_.contains(std::string(code)); }

bool ConfigIndex::IsSettlementBank(std::string_view code) const {
  if (!IsBank(code)) return false;
  return settlement_bank_.empty() || settlement_bank_ == code;
}

bool ConfigIndex::IsSupervisor(std::string_view code) const {
  return supervisors_.contains(std::string(code));
}

bool ConfigIndex::ValidHolder(const Principal& p) const {
  if (p.kind == PrincipalKind::kMember) return Member(p.code) != nullptr;
  if (p.kind == PrincipalKind::kBank) return IsBank(p.code);
  return false;
}

const InstrumentConfig* ConfigIndex::Instrument(InstrumentId id) const {
  if (!id.valid() || id.value() > config_.instruments.size()) return nullptr;
  return &config_.instruments[id.value() - 1];
}

bool ConfigIndex::Accepts(InstrumentId instrument, WarehouseId warehouse) const {
  if (!instrument.valid() || instrument.value() > accepted_.size()) return false;
  const auto& ids = accepted_[instrument.value() - 1];
  return std::find(ids.begin(), ids.end(), warehouse) != ids.end();
}

bool ConfigIndex::AffiliateOfAnyAccepted(InstrumentId instrument,
                                         std::string_view member_code) const {
  if (!instrument.valid() || instrument.value() > accepted_.size()) return false;
  for (WarehouseId w : accepted_[instrument.value() - 1]) {
    if (IsAffiliate(w, member_code)) return true;
  }
  return false;
}

absl::StatusOr<Money> TradeFee(Money notional, int64_t bps, Money minimum) {
  const Int128 product = static_cast<Int128>(notional.raw()) * bps;
  absl::StatusOr<int64_t> fee = DivRoundHalfEven(product, 10000);
  if (!fee.ok()) return fee.status();
  return Money::FromRaw(std::max(*fee, minimum.raw()));
}

absl::StatusOr<Money> BuyerFee(const InstrumentConfig& instrument, Money notional) {
  return TradeFee(notional, instrument.fees.buyer_bps, instrument.fees.minimum);
}

absl::StatusOr<Money> SellerFee(const InstrumentConfig& instrument, Money notional) {
  absl::StatusOr<Money> fee =
      TradeFee(notional, instrument.fees.seller_bps, instrument.fees.minimum);
  if (!fee.ok()) return fee;
  return std::min(*fee, notional);
}

absl::StatusOr<Money> BuyReservation(const InstrumentConfig& instrument, Price reserve_price,
                                     Quantity leaves) {
  if (leaves.is_zero()) return Money();
  if (!reserve_price.is_positive() || !leaves.is_positive() || instrument.lot_size.raw() <= 0 ||
      instrument.base_units_per_price_unit <= 0 || instrument.fees.buyer_bps < 0 ||
      instrument.fees.minimum.is_negative()) {
    return absl::InvalidArgumentError("invalid reservation inputs");
  }
  const Int128 den = static_cast<Int128>(10000) * instrument.base_units_per_price_unit;
  const Int128 num = static_cast<Int128>(reserve_price.raw()) * leaves.raw() *
                     (10000 + instrument.fees.buyer_bps);
  const Int128 cash = (num + den - 1) / den;
  const Int128 lots = (leaves.raw() + instrument.lot_size.raw() - 1) / instrument.lot_size.raw();
  const Int128 allowance = static_cast<Int128>(instrument.fees.minimum.raw()) + 3 +
                           (instrument.fees.buyer_bps + 9999) / 10000;
  const Int128 total = cash + lots * allowance;
  if (total > INT64_MAX) return absl::OutOfRangeError("reservation overflows");
  return Money::FromRaw(static_cast<int64_t>(total));
}

}  // namespace dazong::receipts
