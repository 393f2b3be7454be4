%% Twin of bench/supervisor.ts: restarts per second of a one_for_one supervisor
%% (very high intensity) whose only worker exits on every message.
%% The worker announces each start to the bench process, which then sends the
%% next `crash`. Logger off, as the Agner side runs with a silent logger.
-module(sup_restart).
-behaviour(supervisor).
-export([main/0, init/1, start_worker/1]).

-define(N, 100000).

main() ->
    logger:set_primary_config(level, none),
    {ok, _Sup} = supervisor:start_link(?MODULE, self()),
    W0 = receive {started, P} -> P end,
    T0 = erlang:monotonic_time(nanosecond),
    loop(W0, ?N),
    T1 = erlang:monotonic_time(nanosecond),
    io:format("sup_restarts_per_s ~.1f~n", [?N / ((T1 - T0) / 1.0e9)]).

init(Bench) ->
    {ok, {#{strategy => one_for_one, intensity => 10000000, period => 1},
          [#{id => worker, start => {?MODULE, start_worker, [Bench]}}]}}.

start_worker(Bench) ->
    Pid = proc_lib:spawn_link(fun() -> Bench ! {started, self()}, receive crash -> exit(crash) end end),
    {ok, Pid}.

loop(_, 0) -> ok;
loop(W, K) ->
    W ! crash,
    receive {started, P} -> loop(P, K - 1) end.
