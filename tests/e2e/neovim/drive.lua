-- Drives Neovim's built-in LSP client against Siyada with docs/neovim/siyada.lua loaded
-- (tests/e2e/test_neovim.py runs it): opens the file, waits for the finding's
-- diagnostic, asks about it through its code action, applies the Siyada fix through
-- vim.lsp.buf.code_action, asks about the function with :SiyadaAsk, and writes what it
-- saw as JSON to $SIYADA_NVIM_RESULT. Every wait is on a condition with a deadline; a
-- step that fails records its error and the run stops there.

local function required(name)
  return assert(os.getenv(name), name .. ' is not set')
end

local result_path = required('SIYADA_NVIM_RESULT')
local source = required('SIYADA_NVIM_SOURCE')
local finding_question = required('SIYADA_NVIM_FINDING_QUESTION')
local function_question = required('SIYADA_NVIM_FUNCTION_QUESTION')
local stopped_question = required('SIYADA_NVIM_STOPPED_QUESTION')
local wait_ms = tonumber(os.getenv('SIYADA_NVIM_WAIT_MS') or '20000')

-- `steps` names the steps that completed.
local version = vim.version()
local results = {
  version = string.format('%d.%d.%d', version.major, version.minor, version.patch),
  steps = {},
  asks = {},
}

local function wait_for(what, condition)
  if not vim.wait(wait_ms, condition, 20) then
    error(string.format('timed out after %d ms waiting for %s', wait_ms, what), 0)
  end
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
end

local function siyada_diagnostics(bufnr)
  return vim.tbl_filter(function(d)
    return d.source == 'siyada'
  end, vim.diagnostic.get(bufnr))
end

-- Every ask the config makes (from :SiyadaAsk or the code action) is recorded: its
-- answer window's text after each change, and the siyada.ask result.
local function record_asks()
  local siyada = require('siyada')
  local ask = siyada.ask
  siyada.ask = function(question, opts)
    opts = opts or {}
    local record = { question = question, about_finding = opts.finding ~= nil, streamed = {} }
    table.insert(results.asks, record)
    local on_done = opts.on_done
    opts.on_done = function(err, result)
      record.error = err and (err.message or tostring(err)) or vim.NIL
      record.result = result or vim.NIL
      if on_done then
        on_done(err, result)
      end
    end
    local buf = ask(question, opts)
    record.buf = buf
    if buf then
      vim.api.nvim_buf_attach(buf, false, {
        on_lines = function()
          table.insert(record.streamed, buffer_text(buf))
        end,
      })
    end
    return buf
  end
end

local function finish_ask(record)
  wait_for('the answer of siyada.ask', function()
    return record.result ~= nil
  end)
  record.window = vim.api.nvim_buf_is_valid(record.buf) and buffer_text(record.buf) or vim.NIL
  record.buf = nil
end

local function see_diagnostics(bufnr)
  wait_for('a Siyada diagnostic', function()
    return #siyada_diagnostics(bufnr) > 0
  end)
  results.diagnostics = vim.tbl_map(function(d)
    return { lnum = d.lnum, col = d.col, end_col = d.end_col, message = d.message, severity = d.severity }
  end, siyada_diagnostics(bufnr))
end

-- vim.lsp.buf.code_action on the first finding's line, choosing the first action
-- `choose` accepts. Neovim 0.7 has neither `apply` nor `filter`, so the choice is made
-- where every version offers it: vim.ui.select. Returns the titles offered.
local function code_action(bufnr, choose)
  local diagnostic = siyada_diagnostics(bufnr)[1]
  vim.api.nvim_win_set_cursor(0, { diagnostic.lnum + 1, diagnostic.col })
  local offered, chosen
  vim.ui.select = function(items, opts, on_choice)
    offered = {}
    for _, item in ipairs(items) do
      local action = item[2]
      local command = type(action.command) == 'table' and action.command.command or vim.NIL
      table.insert(offered, {
        title = opts.format_item(item),
        kind = action.kind,
        preferred = action.isPreferred == true,
        command = command,
      })
      if chosen == nil and choose(action) then
        chosen = item
      end
    end
    on_choice(chosen)
  end
  vim.lsp.buf.code_action()
  wait_for('the code actions', function()
    return offered ~= nil
  end)
  if chosen == nil then
    error('no such action among: ' .. vim.fn.json_encode(offered), 0)
  end
  return offered
end

local function ask_about_finding(bufnr)
  vim.ui.input = function(_, on_confirm)
    on_confirm(finding_question)
  end
  results.finding_actions = code_action(bufnr, function(action)
    return type(action.command) == 'table' and action.command.command == 'siyada.askAboutFinding'
  end)
  wait_for('the ask of the code action', function()
    return #results.asks == 1
  end)
  finish_ask(results.asks[1])
end

local function apply_fix(bufnr)
  local before = buffer_text(bufnr)
  results.fix_actions = code_action(bufnr, function(action)
    return action.isPreferred and action.kind == 'quickfix'
  end)
  wait_for('the fix to change the buffer', function()
    return buffer_text(bufnr) ~= before
  end)
  results.fixed_text = buffer_text(bufnr)
end

local function ask_about_function(bufnr)
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  vim.cmd('SiyadaAsk ' .. function_question)
  wait_for('the ask of :SiyadaAsk', function()
    return #results.asks == 2
  end)
  finish_ask(results.asks[2])
end

-- `q` in the answer window while the answer streams closes it and stops the answer.
local function stop_an_answer()
  vim.cmd('SiyadaAsk ' .. stopped_question)
  wait_for('the ask of :SiyadaAsk to stop', function()
    return #results.asks == 3
  end)
  local record = results.asks[3]
  wait_for('the answer to begin', function()
    return #record.streamed > 0
  end)
  -- The answer's window has the cursor, as after any ask.
  assert(vim.api.nvim_get_current_buf() == record.buf, 'the answer window does not have the cursor')
  vim.cmd('normal q')
  finish_ask(record)
end

local STEPS = {
  { 'diagnostics', see_diagnostics },
  { 'ask about the finding', ask_about_finding },
  { 'fix', apply_fix },
  { 'ask about the function', ask_about_function },
  { 'stop an answer', stop_an_answer },
}

local function run()
  record_asks()
  vim.cmd('edit ' .. vim.fn.fnameescape(source))
  local bufnr = vim.api.nvim_get_current_buf()
  local source_win = vim.api.nvim_get_current_win()
  results.filetype = vim.bo[bufnr].filetype
  for _, step in ipairs(STEPS) do
    -- An ask leaves the cursor in its answer's window; every step starts in the source.
    vim.api.nvim_set_current_win(source_win)
    local ok, err = pcall(step[2], bufnr)
    if not ok then
      results.error = step[1] .. ': ' .. tostring(err)
      return
    end
    table.insert(results.steps, step[1])
  end
end

local ok, err = pcall(run)
if not ok then
  results.error = 'driver: ' .. tostring(err)
end
local file = assert(io.open(result_path, 'w'))
file:write(vim.fn.json_encode(results))
file:close()
vim.cmd(results.error and 'cquit 1' or 'qall!')
