-- Drives lb-lens-language-server from Neovim (0.7+) headless: attach, wait for diagnostics, hover, custom request.
local root = vim.fn.getcwd()
local id = vim.lsp.start_client({ name = 'lb-lens', cmd = { 'node', root .. '/bin/lb-lens-language-server.js', '--stdio' }, root_dir = root })
vim.lsp.buf_attach_client(0, id)
vim.wait(8000, function() return #vim.diagnostic.get(0) > 0 end, 100)
for _, d in ipairs(vim.diagnostic.get(0)) do
  print(string.format('%d:%d %s %s', d.lnum + 1, d.col + 1, d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or '?', d.message:sub(1, 70)))
end
local params = { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = 15, character = 10 } }
local res = vim.lsp.buf_request_sync(0, 'textDocument/hover', params, 3000)
for _, r in pairs(res or {}) do if r.result then print((r.result.contents.value or ''):sub(1, 160)) end end
local res2 = vim.lsp.buf_request_sync(0, 'lbLens/distribution', { textDocument = { uri = vim.uri_from_bufnr(0) } }, 3000)
for _, r in pairs(res2 or {}) do if r.result then print('routes: ' .. #r.result.routes) end end
vim.cmd('qa!')
