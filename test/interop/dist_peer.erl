%% The Erlang side of test/interop/dist_semantics.test.ts: a gen_server an
%% Agner node calls (by name and by pid), and helpers that run in plain erl
%% processes and report to whoever asked.
-module(dist_peer).
-behaviour(gen_server).
-export([start/0, init/1, handle_call/3, handle_cast/2, handle_info/2]).
-export([waiter/0, linker/2, monitorer/2]).

start() ->
    {ok, Pid} = gen_server:start({local, dist_peer}, ?MODULE, [], []),
    Pid.

init([]) -> {ok, []}.

handle_call(casts, _From, Casts) -> {reply, lists:reverse(Casts), Casts};
handle_call(slow, _From, Casts) -> {noreply, Casts};
handle_call(whoami, {Pid, _Tag}, Casts) -> {reply, Pid, Casts};
handle_call(Req, _From, Casts) -> {reply, {echo, Req}, Casts}.

handle_cast(Msg, Casts) -> {noreply, [Msg | Casts]}.

handle_info(_Msg, Casts) -> {noreply, Casts}.

%% A process that waits for `{die, Reason}` and exits with Reason.
waiter() ->
    spawn(fun() -> receive {die, Reason} -> exit(Reason) end end).

%% A trapping process that links to Target, then reports every message it gets to ReportTo.
linker(Target, ReportTo) ->
    spawn(fun() ->
                  process_flag(trap_exit, true),
                  link(Target),
                  ReportTo ! {linked, self()},
                  report(ReportTo)
          end).

%% A process that monitors Target (a pid or {Name, Node}) and reports every message it gets to ReportTo.
monitorer(Target, ReportTo) ->
    spawn(fun() ->
                  Ref = monitor(process, Target),
                  ReportTo ! {monitoring, self(), Ref},
                  report(ReportTo)
          end).

report(To) ->
    receive
        {unlink, P} -> unlink(P), To ! {report, self(), unlinked}, report(To);
        M -> To ! {report, self(), M}, report(To)
    end.
