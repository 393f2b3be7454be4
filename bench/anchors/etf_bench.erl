%% ETF twin of bench/etf.ts: term_to_binary / binary_to_term on the same corpus.
%% Prints "etf_<op>_<term>_ns V" (ns per operation).
-module(etf_bench).
-export([main/0]).

corpus() ->
    Small = {'$gen_call', {self(), [alias | make_ref()]}, {get, <<"key">>}},
    Bin = {msg, 1, binary:copy(<<"0123456789abcdef">>, 64)},
    List = [{I, I * 2} || I <- lists:seq(1, 200)],
    Map = maps:from_list([{I, <<"v">>} || I <- lists:seq(1, 1000)]),
    [{small, Small, 200000}, {bin1k, Bin, 100000}, {list200, List, 20000}, {map1000, Map, 2000}].

main() ->
    [bench(Name, T, N) || {Name, T, N} <- corpus()],
    ok.

bench(Name, T, N) ->
    B = term_to_binary(T, [{minor_version, 2}]),
    time(encode, Name, N, fun() -> term_to_binary(T, [{minor_version, 2}]) end),
    time(decode, Name, N, fun() -> binary_to_term(B) end).

time(Op, Name, N, F) ->
    loop(F, N div 10),                       % same warm-up as the TypeScript side
    T0 = erlang:monotonic_time(nanosecond),
    loop(F, N),
    T1 = erlang:monotonic_time(nanosecond),
    io:format("etf_~s_~s_ns ~.1f~n", [Op, Name, (T1 - T0) / N]).

loop(_, 0) -> ok;
loop(F, K) -> F(), loop(F, K - 1).
