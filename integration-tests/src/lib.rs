//! Scenarios against real peers over loopback; see tests/.
