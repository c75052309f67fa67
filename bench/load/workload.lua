-- wrk workload for bench/api-load: one load tenant, many employees, each with their own
-- token (employees act on their own deposits, as in production).
--
-- wrk -s workload.lua URL -- MODE TARGETS TENANT DELAY_MS RUN
--   MODE     read | write | mixed (80 % reads, 20 % writes)
--   TARGETS  file of "company employee token" lines
--   DELAY_MS per-connection pause before each request (0 = as fast as possible); wrk has
--            no fixed-rate mode, so pacing is how the half-peak runs hold a lower rate
--   RUN      a number unique to this wrk run: account numbers never repeat across runs
--            (deposits whose DELETE was not sent before the run ended stay)
--
-- Writes alternate: a create (Pending, a fresh account number) and the DELETE of a deposit
-- this thread created (its Location header), so each employee keeps only a couple of live
-- deposits and a run can last any time without hitting the per-employee maximum of 10.
-- Per-status counts are kept per thread and printed by done() as one JSON line.

local thread_counter = 0
local threads = {}

function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("thread_id", thread_counter)
  table.insert(threads, thread)
end

local mode, tenant, delay_ms, run
local targets = {}
local token_of = {}
local deletes = {}
local seq = 0
local next_target
statuses = {}
creates = 0
deleted = 0

function init(args)
  mode = args[1]
  local file = args[2]
  tenant = args[3]
  delay_ms = tonumber(args[4] or "0")
  run = args[5] or "0"
  -- wrk calls delay() only if it exists: define it only for paced runs.
  if delay_ms > 0 then
    delay = function()
      return delay_ms
    end
  end
  for line in io.lines(file) do
    local company, employee, token = line:match("^(%d+) (%d+) (%S+)$")
    if company then
      table.insert(targets, { company = company, employee = employee, token = token })
      token_of[company .. "/" .. employee] = token
    end
  end
  math.randomseed(os.time() * 1000 + thread_id)
  -- Threads start at different employees so they do not walk in step.
  next_target = (thread_id * 7919) % #targets
end

local function pick()
  next_target = next_target % #targets + 1
  return targets[next_target]
end

local function collection(t)
  return "/tenants/" .. tenant .. "/companies/" .. t.company .. "/employees/" .. t.employee
    .. "/direct-deposits"
end

local function list()
  local t = targets[math.random(#targets)]
  return wrk.format("GET", collection(t), { ["Authorization"] = "Bearer " .. t.token })
end

local function write()
  local d = table.remove(deletes)
  if d then
    return wrk.format("DELETE", d.path, { ["Authorization"] = "Bearer " .. d.token })
  end
  local t = pick()
  seq = seq + 1
  -- Distinctive account numbers (Q7R<run>T<thread>C<n>, at most 17 characters): unique,
  -- and the smoke's log scan looks for this shape anywhere in the server's log.
  local account = string.format("Q7R%sT%dC%d", run, thread_id, seq)
  local body = '{"amount": 12.5, "amountType": "Flat", "bankAccount": {"routingNumber": '
    .. '"021000021", "accountNumber": "' .. account .. '", "designation": "Checking"}}'
  return wrk.format("POST", collection(t), {
    ["Authorization"] = "Bearer " .. t.token,
    ["Content-Type"] = "application/json",
  }, body)
end

function request()
  if mode == "read" then
    return list()
  elseif mode == "write" then
    return write()
  elseif math.random() < 0.8 then
    return list()
  end
  return write()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    creates = creates + 1
    local location = headers["Location"] or headers["location"]
    if location then
      local company, employee = location:match("/companies/(%d+)/employees/(%d+)/")
      local token = token_of[(company or "") .. "/" .. (employee or "")]
      if token then
        table.insert(deletes, { path = location, token = token })
      end
    end
  elseif status == 204 and mode ~= "read" then
    deleted = deleted + 1
  end
end

function done(summary, latency, requests)
  local merged = {}
  local total_creates, total_deletes = 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[tostring(status)] = (merged[tostring(status)] or 0) + n
    end
    total_creates = total_creates + thread:get("creates")
    total_deletes = total_deletes + thread:get("deleted")
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%s": %d', status, n))
  end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "socket_errors": {"connect": %d, '
      .. '"read": %d, "write": %d, "timeout": %d}, "statuses": {%s}, "creates": %d, '
      .. '"deletes": %d, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, '
      .. '"mean": %.1f}}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, table.concat(parts, ", "), total_creates,
    total_deletes, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
