-- wrk script: every wrk thread is one patient (run with -t N -c N: one connection per thread), who
-- holds conversations of five ordinary messages on the REST channel, one after another, each message
-- sent as soon as the last is answered (a closed loop). Non-200 answers are counted by wrk.
local texts = {"你好", "怎么用", "谢谢", "再见", "你好"}
local counter = 0
local threads = {}
local run = os.getenv("WENZHEN_BENCH_RUN") or tostring(os.time())

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local token = os.getenv("WENZHEN_BENCH_TOKEN") or ""
  if token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  local turn = counter % #texts
  local conversation = math.floor(counter / #texts)
  counter = counter + 1
  local body = string.format('{"sender": "wrk-%s-%d-%d", "message": "%s"}', run, id, conversation, texts[turn + 1])
  return wrk.format(nil, "/webhooks/rest/webhook", nil, body)
end
