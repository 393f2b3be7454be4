# {{name}}

An [Agner](https://www.npmjs.com/package/agner) application: a supervisor
and a GenServer, `src/counter.ts`.

    npm install
    npm test     # builds, then runs test/counter.test.ts
    npm start    # the Erlang node {{name}}@localhost

From an Elixir shell on this machine (same cookie, ~/.erlang.cookie):

    iex --sname iex@localhost
    iex> GenServer.cast({:counter, :"{{name}}@localhost"}, {:add, 2})
    iex> GenServer.call({:counter, :"{{name}}@localhost"}, :get)
    2
