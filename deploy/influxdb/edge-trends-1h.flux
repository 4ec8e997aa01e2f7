// Hourly aggregates for long-term trends, InfluxDB 2.x: the task provision-v2.sh installs. The same aggregates as
// the 1.x continuous queries of provision-v1.sh (same measurement and field names, timestamps at the hour's start,
// every tag kept), from the raw bucket into the trends bucket. Each run recomputes the last @RESAMPLE@, so points a
// gateway delivers late (its outbox drains after a reconnect) are counted; a rerun overwrites the same points.
// provision-v2.sh fills in @RAW@, @TRENDS@, @ORG@ and @RESAMPLE@.
option task = {name: "edge-trends-1h", every: 1h, offset: 5m}

raw = "@RAW@"
trends = "@TRENDS@"
org = "@ORG@"
window = -@RESAMPLE@

hourly = (measurement, field, fn, as, target, keep=(r) => true) =>
    from(bucket: raw)
        |> range(start: window)
        |> filter(fn: (r) => r._measurement == measurement and r._field == field)
        |> filter(fn: keep)
        |> aggregateWindow(every: 1h, fn: fn, createEmpty: false, timeSrc: "_start")
        |> set(key: "_measurement", value: target)
        |> set(key: "_field", value: as)
        |> to(bucket: trends, org: org)

// port_1h: power and voltage, energy (the rise of the lifetime counter), samples and charging samples
// (utilisation = charging_samples / samples).
hourly(measurement: "port", field: "power_w", fn: mean, as: "power_w_mean", target: "port_1h")
hourly(measurement: "port", field: "power_w", fn: max, as: "power_w_max", target: "port_1h")
hourly(measurement: "port", field: "voltage_v", fn: mean, as: "voltage_v_mean", target: "port_1h")
hourly(measurement: "port", field: "voltage_v", fn: min, as: "voltage_v_min", target: "port_1h")
hourly(measurement: "port", field: "voltage_v", fn: max, as: "voltage_v_max", target: "port_1h")
hourly(measurement: "port", field: "lifetime_energy_wh", fn: spread, as: "energy_wh", target: "port_1h")
hourly(measurement: "port", field: "lifetime_energy_wh", fn: max, as: "lifetime_energy_wh", target: "port_1h")
hourly(measurement: "port", field: "seq", fn: count, as: "samples", target: "port_1h")
hourly(measurement: "port", field: "state", fn: count, as: "charging_samples", target: "port_1h", keep: (r) => r._value == "charging")

// session_1h: sessions ended in the hour, their energy and duration, the highest peak.
hourly(measurement: "session", field: "energy_wh", fn: count, as: "sessions", target: "session_1h")
hourly(measurement: "session", field: "energy_wh", fn: sum, as: "energy_wh", target: "session_1h")
hourly(measurement: "session", field: "duration_s", fn: sum, as: "duration_s", target: "session_1h")
hourly(measurement: "session", field: "peak_power_w", fn: max, as: "peak_power_w", target: "session_1h")

// alarm_1h: alarms raised, by kind (and site, gateway, source, port or bin: the tags).
hourly(measurement: "alarm", field: "alarm_id", fn: count, as: "raised", target: "alarm_1h", keep: (r) => r.event == "raised")

// bin_1h: fill, temperature, weight.
hourly(measurement: "bin", field: "fill_pct", fn: mean, as: "fill_pct_mean", target: "bin_1h")
hourly(measurement: "bin", field: "fill_pct", fn: max, as: "fill_pct_max", target: "bin_1h")
hourly(measurement: "bin", field: "temperature_c", fn: max, as: "temperature_c_max", target: "bin_1h")
hourly(measurement: "bin", field: "weight_kg", fn: mean, as: "weight_kg_mean", target: "bin_1h")
hourly(measurement: "bin", field: "seq", fn: count, as: "samples", target: "bin_1h")

// gateway_1h: status messages, the deepest outbox, messages lost.
hourly(measurement: "gateway", field: "seq", fn: count, as: "status_messages", target: "gateway_1h")
hourly(measurement: "gateway", field: "outbox_depth", fn: max, as: "outbox_depth_max", target: "gateway_1h")
hourly(measurement: "gateway", field: "seq_missing", fn: sum, as: "seq_missing", target: "gateway_1h")
