%% Generates test/golden/etf/vectors.tsv from the installed OTP's term_to_binary.
%% Run: erlc -o /tmp scripts/gen_etf_golden.erl && erl -noshell -pa /tmp -s gen_etf_golden main -s init stop
%% One line per vector: Name \t CanonicalHex \t VariantHexes (comma-separated) \t Flags \t ErlangSource
%% Canonical = term_to_binary(T, [{minor_version, 2}]) (OTP 26's default); variants are other
%% encodings of the same term that must decode to an equal value.
-module(gen_etf_golden).
-export([main/0]).

main() ->
    {ok, F} = file:open("test/golden/etf/vectors.tsv", [write, {encoding, utf8}]),
    [line(F, V) || V <- vectors()],
    file:close(F).

line(F, {Name, T, Extra, Flags}) ->
    Canonical = term_to_binary(T, [{minor_version, 2}]),
    Compressed = [term_to_binary(T, [compressed]), term_to_binary(T, [{compressed, 9}, {minor_version, 2}])],
    %% Big vectors keep only their compressed variants, so the corpus stays small.
    Standard = case byte_size(Canonical) > 10000 of
                   true -> Compressed;
                   false -> [term_to_binary(T), term_to_binary(T, [{minor_version, 0}]) | Compressed]
               end,
    [T = binary_to_term(V) || V <- Standard],   % every variant really is this term
    %% Hand-written old formats: OTP 25 no longer decodes some of them (PID_EXT,
    %% PORT_EXT, REFERENCE_EXT); those are checked against the spec only.
    Checked = [case catch binary_to_term(V) of
                   T -> V;
                   {'EXIT', _} -> spec_only;
                   _ -> error({variant_mismatch, Name})
               end || V <- Extra],
    Variants = Standard ++ [V || V <- Checked, V =/= spec_only],
    SpecOnly = [V || {V, spec_only} <- lists:zip(Extra, Checked)],
    Flags2 = case SpecOnly of
                 [] -> Flags;
                 _ -> Flags ++ "spec_only=" ++ lists:join(":", [hex(V) || V <- SpecOnly])
             end,
    Src = [case C of $\t -> $\s; $\n -> $\s; _ -> C end || C <- lists:flatten(io_lib:format("~0tp", [T]))],
    io:format(F, "~s\t~s\t~s\t~s\t~ts~n",
              [Name, hex(Canonical), lists:join(",", [hex(V) || V <- Variants]), Flags2, Src]).

hex(B) -> binary_to_list(binary:encode_hex(B)).

node_atom() -> <<119, 10, "other@host">>.   % SMALL_ATOM_UTF8 'other@host'

vectors() ->
    Big = lists:seq(1, 300),
    Deep = lists:foldl(fun(_, Acc) -> [Acc] end, [], lists:seq(1, 100)),
    Y = 42,
    LocalFun = fun(X) -> X + Y end,
    Map40 = maps:from_list([{K, K * K} || K <- lists:seq(1, 40)]),
    [{"small_int_0", 0, [], ""}, {"small_int_255", 255, [], ""}, {"int_256", 256, [], ""},
     {"int_neg1", -1, [], ""}, {"int_max32", 2147483647, [], ""}, {"int_min32", -2147483648, [], ""},
     {"small_big_2p31", 2147483648, [], ""}, {"small_big_2p64", 1 bsl 64, [], ""},
     {"small_big_neg_2p64", -(1 bsl 64), [], ""}, {"small_big_2p53p1", (1 bsl 53) + 1, [], ""},
     {"large_big_2p2100", 1 bsl 2100, [], ""}, {"large_big_neg", -(1 bsl 2100) - 7, [], ""},
     {"float_0", 0.0, [], ""}, {"float_1", 1.0, [], ""}, {"float_neg", -2.5, [], ""},
     {"float_pi", 3.141592653589793, [], ""}, {"float_big", 1.0e300, [], ""}, {"float_tiny", 5.0e-324, [], ""},
     {"atom_ok", ok, [<<131, 115, 2, "ok">>], ""}, {"atom_empty", '', [], ""},
     {"atom_space", 'hello world', [], ""}, {"atom_latin1", 'caf\x{e9}', [<<131, 100, 0, 4, "caf", 16#e9>>], ""},
     {"atom_unicode", '\x{3bb}x\x{1F600}', [], ""},
     {"atom_255", list_to_atom(lists:duplicate(255, $a)), [], ""},
     {"atom_utf8_long", list_to_atom(lists:duplicate(200, 16#3bb)), [], ""},
     {"true", true, [], ""}, {"false", false, [], ""}, {"nil", nil, [], ""}, {"undefined", undefined, [], ""},
     {"tuple_empty", {}, [], ""}, {"tuple_1", {a}, [], ""}, {"tuple_3", {1, two, "three"}, [], ""},
     {"tuple_300", list_to_tuple(Big), [], ""},
     {"nil_list", [], [], ""}, {"string_abc", "abc", [<<131, 108, 0, 0, 0, 3, 97, 97, 97, 98, 97, 99, 106>>], ""},
     {"list_atoms", [a, b], [], ""}, {"list_300", Big, [], ""}, {"charlist_long", lists:duplicate(70000, $x), [], ""},
     {"improper_1", [1 | 2], [], ""}, {"improper_2", [a, b | c], [], ""}, {"improper_alias", [alias | make_ref()], [], ""},
     {"deep_100", Deep, [], ""},
     {"binary_empty", <<>>, [], ""}, {"binary_123", <<1, 2, 3>>, [], ""}, {"binary_utf8", <<"h\x{e9}llo"/utf8>>, [], ""},
     {"binary_1k", binary:copy(<<"0123456789abcdef">>, 64), [], ""},
     {"bits_3", <<1:3>>, [], ""}, {"bits_11", <<255, 7:3>>, [], ""},
     {"map_empty", #{}, [], ""}, {"map_1", #{a => 1}, [], ""},
     {"map_mixed", #{1 => a, {x} => [y], <<"k">> => #{}, 2.0 => 2}, [], ""},
     {"map_40", Map40, [], "noncanonical"},
     {"pid_self", self(), [], ""},
     {"pid_remote", binary_to_term(<<131, 88, (node_atom())/binary, 0, 0, 0, 85, 0, 0, 0, 3, 0, 0, 0, 7>>),
      [<<131, 103, (node_atom())/binary, 0, 0, 0, 85, 0, 0, 0, 3, 7>>], ""},
     {"ref_local", make_ref(), [], ""},
     {"ref_5words", binary_to_term(<<131, 90, 0, 5, (node_atom())/binary, 0, 0, 0, 9, 1:32, 2:32, 3:32, 4:32, 5:32>>), [], ""},
     {"ref_old", binary_to_term(<<131, 90, 0, 1, (node_atom())/binary, 0, 0, 0, 2, 77:32>>),
      [<<131, 101, (node_atom())/binary, 77:32, 2>>, <<131, 114, 0, 1, (node_atom())/binary, 2, 77:32>>], ""},
     {"port_local", hd(erlang:ports()), [], ""},
     {"port_remote", binary_to_term(<<131, 89, (node_atom())/binary, 5:32, 3:32>>),
      [<<131, 102, (node_atom())/binary, 5:32, 3>>], ""},
     {"port_v4", binary_to_term(<<131, 120, (node_atom())/binary, 16#123456789:64, 3:32>>), [], ""},
     {"fun_local", LocalFun, [], ""},
     {"fun_closure_free", fun() -> {Y, Big} end, [], ""},
     {"export_fun", fun lists:map/2, [], ""},
     {"gen_call", {'$gen_call', {self(), [alias | make_ref()]}, {get, <<"key">>}}, [], ""},
     {"nested_mix", {ok, [#{key => {1.5, <<"v">>, [x | y]}}, -300, "str"], {}}, [], ""}].
