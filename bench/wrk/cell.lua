-- One cell of bench/http.sh, driven by environment variables (set by the script):
--   CELL   gw-sign | gw-batch | gw-create | co-sign | co-batch | co-create
--   TOKEN  bearer token (gateway cells)
--   UPLOAD upload id (gateway) or S3 multipart upload id (Companion)
--   KEY    the object key (Companion sign cells; URL-encoded)
--   PARTS  the upload's part count: every request picks its part numbers at random in 1..PARTS
--   BATCH  part numbers per request (batch cells): a random run of BATCH consecutive parts
-- done() prints one line "RESULT {json}" that the script parses.
local cell   = os.getenv("CELL")
local token  = os.getenv("TOKEN") or ""
local upload = os.getenv("UPLOAD") or ""
local key    = os.getenv("KEY") or ""
local parts  = tonumber(os.getenv("PARTS") or "1")
local batch  = tonumber(os.getenv("BATCH") or "1")

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
end

local json_headers = {
  ["Authorization"] = "Bearer " .. token,
  ["Content-Type"] = "application/json",
  ["Accept"] = "application/json",
}

local function run_of(n)
  local first = math.random(1, parts - n + 1)
  local numbers = {}
  for i = 0, n - 1 do numbers[#numbers + 1] = tostring(first + i) end
  return numbers
end

request = function()
  if cell == "gw-sign" then
    return wrk.format("POST", "/api/v1/uploads/" .. upload .. "/presign", json_headers,
      '{"partNumbers":[' .. math.random(1, parts) .. ']}')
  elseif cell == "gw-batch" then
    return wrk.format("POST", "/api/v1/uploads/" .. upload .. "/presign", json_headers,
      '{"partNumbers":[' .. table.concat(run_of(batch), ",") .. ']}')
  elseif cell == "gw-create" then
    return wrk.format("POST", "/api/v1/uploads", json_headers,
      '{"filename":"bench.bin","size":104857600,"contentType":"application/octet-stream"}')
  elseif cell == "co-sign" then
    return wrk.format("GET", "/s3/multipart/" .. upload .. "/" .. math.random(1, parts) .. "?key=" .. key)
  elseif cell == "co-batch" then
    return wrk.format("GET", "/s3/multipart/" .. upload .. "/batch?key=" .. key .. "&partNumbers="
      .. table.concat(run_of(batch), ","))
  elseif cell == "co-create" then
    return wrk.format("POST", "/s3/multipart", { ["Content-Type"] = "application/json" },
      '{"filename":"bench.bin","type":"application/octet-stream"}')
  end
  error("unknown CELL " .. tostring(cell))
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,' ..
    '"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, s, summary.requests / s, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
