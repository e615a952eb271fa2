//! One file per venue the simulator speaks (besides Binance), registered in
//! [`super::dialect::dialect_for`].

pub(crate) mod bitget;
pub(crate) mod bybit;
pub(crate) mod coinbase;
pub(crate) mod gateio;
pub(crate) mod hyperliquid;
pub(crate) mod kraken;
pub(crate) mod okx;
