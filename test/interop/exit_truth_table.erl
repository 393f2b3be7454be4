%% The Erlang half of test/unit/runtime/exit_truth_table.test.ts.
%%
%% main([{Scenario, Trap}, ...]) runs every row at once, each in a fresh
%% target process T (process_flag(trap_exit, Trap)) watched by an observer
%% through a monitor, and prints one line per row, in the order given:
%%
%%     Scenario Trap Outcome
%%
%% Outcome is, after an optional `raised(Reason) ` when the setup raised:
%%   dies(Reason)   T terminated with Reason
%%   msg(Term)      the first message T received
%%   unaffected     T alive, nothing received within 100 ms
%% Terms are printed with ~w after replacing T's pid by 'Self', the other
%% process by 'Other', the monitor reference by 'Ref' and the row's
%% registered name by 'Name', so the text compares with Agner's `inspect`.
-module(exit_truth_table).
-export([main/1]).

main(Rows) ->
    Obs = [spawn_monitor(fun() -> exit({row, observe(S, Trap)}) end) || {S, Trap} <- Rows],
    Results = [receive {'DOWN', R, process, P, {row, Out}} -> Out end || {P, R} <- Obs],
    lists:foreach(
      fun({{S, Trap}, Out}) -> io:format("~s ~s ~s~n", [S, Trap, Out]) end,
      lists:zip(Rows, Results)).

observe(Scenario, Trap) ->
    Me = self(),
    Name = list_to_atom(lists:concat(["tt_", Scenario, "_", Trap])),
    {T, Ref} = spawn_monitor(fun() -> target(Me, Scenario, Trap, Name) end),
    receive
        {result, T, Raised, Out, Subst} ->
            exit(T, kill),
            Raised ++ Out(Subst);
        {'DOWN', Ref, process, T, Why} ->
            %% T died: whatever it recorded of its roles came before its death.
            Subst = receive {roles, T, S} -> S after 0 -> #{T => 'Self', Name => 'Name'} end,
            "dies(" ++ text(Why, Subst) ++ ")"
    after 5000 -> "timeout"
    end.

target(Obs, Scenario, Trap, Name) ->
    process_flag(trap_exit, Trap),
    put(roles, #{self() => 'Self', Name => 'Name'}),
    Raised = try setup(Scenario, self(), Name), ""
             catch _:E -> "raised(" ++ text(E, get(roles)) ++ ") "
             end,
    Roles = get(roles),
    Obs ! {roles, self(), Roles},
    Out = receive M -> fun(S) -> "msg(" ++ text(M, S) ++ ")" end
          after 100 -> fun(_) -> "unaffected" end
          end,
    Obs ! {result, self(), Raised, Out, Roles},
    receive stop -> ok end.

role(X, Role) -> put(roles, maps:put(X, Role, get(roles))), X.
other(P) -> role(P, 'Other').
mref(R) -> role(R, 'Ref').

dead() ->
    {P, R} = spawn_monitor(fun() -> ok end),
    receive {'DOWN', R, _, _, _} -> P end.

%% A process that exits with Reason when sent `go`.
waiter(Reason) -> spawn(fun() -> receive go -> exit(Reason) end end).

%% Blocks until N messages are queued (without taking any).
wait_queue(N) ->
    case process_info(self(), message_queue_len) of
        {message_queue_len, L} when L >= N -> ok;
        _ -> timer:sleep(1), wait_queue(N)
    end.

setup(link_exit_normal, _, _) -> other(spawn_link(fun() -> ok end));
setup(link_exit_abnormal, _, _) -> other(spawn_link(fun() -> exit(boom) end));
setup(link_exit_kill, _, _) -> other(spawn_link(fun() -> exit(kill) end));
setup(link_killed, _, _) ->
    O = other(spawn_link(fun() -> receive _ -> ok end end)),
    spawn(fun() -> exit(O, kill) end);
setup(exit2_normal, Self, _) -> other(spawn(fun() -> exit(Self, normal) end));
setup(exit2_abnormal, Self, _) -> other(spawn(fun() -> exit(Self, abnormal) end));
setup(exit2_kill, Self, _) -> other(spawn(fun() -> exit(Self, kill) end));
setup(exit2_killed, Self, _) -> other(spawn(fun() -> exit(Self, killed) end));
setup(exit2_normal_linked, Self, _) ->
    other(spawn_link(fun() -> exit(Self, normal), receive _ -> ok end end));
setup(exit_self_normal, Self, _) -> exit(Self, normal);
setup(exit_self_abnormal, Self, _) -> exit(Self, boom);
setup(exit_self_kill, Self, _) -> exit(Self, kill);
setup(exit1_normal, _, _) -> exit(normal);
setup(exit1_kill, _, _) -> exit(kill);
setup(link_dead, _, _) -> link(other(dead()));
setup(link_self, Self, _) -> link(Self);
setup(unlink_before_exit, _, _) ->
    O = other(spawn(fun() -> receive go -> exit(boom) end end)),
    link(O), unlink(O), O ! go;
setup(monitor_normal, _, _) -> monitor_exit(normal);
setup(monitor_abnormal, _, _) -> monitor_exit(boom);
setup(monitor_exit_kill, _, _) -> monitor_exit(kill);
setup(monitor_killed, _, _) ->
    O = other(waiter(never)), mref(monitor(process, O)), exit(O, kill);
setup(monitor_dead, _, _) -> mref(monitor(process, other(dead())));
setup(monitor_name, _, Name) ->
    O = other(waiter(boom)), register(Name, O),
    mref(monitor(process, Name)), O ! go;
setup(monitor_name_missing, _, Name) -> mref(monitor(process, Name));
setup(monitor_trapping_linked, _, _) ->
    %% linked and monitored: the DOWN and the EXIT both come; the DOWN first? (order printed)
    O = other(waiter(boom)), link(O), mref(monitor(process, O)), O ! go;
setup(demonitor_flush, _, _) ->
    O = other(spawn(fun() -> ok end)), R = mref(monitor(process, O)),
    wait_queue(1), demonitor(R, [flush]);
setup(demonitor_no_flush, _, _) ->
    O = other(spawn(fun() -> ok end)), R = mref(monitor(process, O)),
    wait_queue(1), demonitor(R);
setup(demonitor_before_exit, _, _) ->
    O = other(waiter(boom)), R = mref(monitor(process, O)), demonitor(R), O ! go.

monitor_exit(Reason) ->
    O = other(waiter(Reason)), mref(monitor(process, O)), O ! go.

text(Term, Subst) -> lists:flatten(io_lib:format("~w", [subst(Term, Subst)])).

subst(X, S) when is_map_key(X, S) -> maps:get(X, S);
subst(T, S) when is_tuple(T) -> list_to_tuple([subst(E, S) || E <- tuple_to_list(T)]);
subst(L, S) when is_list(L) -> [subst(E, S) || E <- L];
subst(X, _) -> X.
