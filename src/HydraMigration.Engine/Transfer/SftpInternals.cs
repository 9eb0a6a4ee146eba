using System;
using System.Linq;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Serialization;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace HydraMigration.Transfer;

/// <summary>
/// The parts of SSH.NET's SFTP session that <see cref="PipelinedSftp"/> drives directly: build
/// an SSH_FXP_READ or SSH_FXP_WRITE request with our own callbacks and send it. Bound once per
/// process, by reflection, into compiled delegates, against the pinned SSH.NET version; when
/// anything is missing (another version), <see cref="Current"/> is null and the engine falls
/// back to SftpFileStream.
/// </summary>
/// <remarks>
/// Why not SSH.NET's own RequestReadAsync/RequestWriteAsync: every call of those registers
/// three thread-pool waits (error, disconnect, channel closed), a timer and two cancellation
/// sources, and completes through a task continuation on the pool. At 8,000 requests per GiB
/// that is tens of thousands of thread wake-ups: measured, about 250,000 context switches and
/// 4 s of client CPU per GiB, against 3 s for all of OpenSSH's scp. Here a request carries a
/// plain callback that SSH.NET's receive loop calls, and a whole chunk completes at once.
/// </remarks>
internal sealed class SftpInternals
{
    private static readonly Lazy<SftpInternals?> Bound = new(Bind);

    private SftpInternals()
    {
    }

    /// <summary>
    /// The support lever: set to 1, transfers use SSH.NET's public API only, as they do when this
    /// SSH.NET lacks the internals (docs/TRANSFER.md). Read at every transfer, not once per process.
    /// </summary>
    internal const string PublicApiVariable = "HYDRA_SFTP_PUBLIC_API";

    /// <summary>The bound internals, or null when this SSH.NET does not have them or <see cref="PublicApiVariable"/> asks for the public API.</summary>
    public static SftpInternals? Current => PublicApiForced ? null : Bound.Value;

    /// <summary>Whether this SSH.NET has the internals, with the shapes bound here (whatever the lever says).</summary>
    public static bool Available => Bound.Value is not null;

    /// <summary>True when <see cref="PublicApiVariable"/> is 1.</summary>
    public static bool PublicApiForced => Environment.GetEnvironmentVariable(PublicApiVariable) == "1";

    public Func<SftpClient, object?> SessionOf { get; private set; } = null!;

    public Func<object, uint> ProtocolVersion { get; private set; } = null!;

    public Func<object, uint> NextRequestId { get; private set; } = null!;

    /// <summary>Sends a request (registering it for its answer) on the session.</summary>
    public Action<object, object> SendRequest { get; private set; } = null!;

    /// <summary>(version, id, handle, offset, length, on data, on status) → SSH_FXP_READ request.</summary>
    public Func<uint, uint, byte[], ulong, uint, Delegate, Delegate, object> NewReadRequest { get; private set; } = null!;

    /// <summary>(version, request buffer, on status) → SSH_FXP_WRITE request.</summary>
    public Func<uint, object, Delegate, object> NewWriteRequest { get; private set; } = null!;

    /// <summary>Wraps an array laid out as SSH.NET's write request buffer (see <see cref="WriteRequestLayout"/>).</summary>
    public Func<byte[], object> NewWriteBuffer { get; private set; } = null!;

    public Func<object, ArraySegment<byte>> DataOf { get; private set; } = null!;

    public Func<object, int> StatusCodeOf { get; private set; } = null!;

    public Func<object, string?> ErrorMessageOf { get; private set; } = null!;

    public Type DataResponseType { get; private set; } = null!;

    public Type StatusResponseType { get; private set; } = null!;

    /// <summary>The session's "is the channel open" property, and its error and disconnect events.</summary>
    public Func<object, bool> IsOpen { get; private set; } = null!;

    public EventInfo ErrorOccurred { get; private set; } = null!;

    /// <summary>
    /// (session, buffer): gives the session that array as its receive buffer (where it reassembles an
    /// SFTP message spread over channel packets) while it holds nothing; false when it does, or
    /// when this SSH.NET keeps it differently (the only internal the fast path can do without).
    /// </summary>
    public Func<object, byte[], bool> GiveReceiveBuffer { get; private set; } = (_, _) => false;

    public EventInfo Disconnected { get; private set; } = null!;

    /// <summary>A callback of SSH.NET's Action&lt;response&gt; type that calls <paramref name="method"/> (taking object) on <paramref name="target"/>.</summary>
    public static Delegate Callback(Type responseType, object target, MethodInfo method) =>
        Delegate.CreateDelegate(typeof(Action<>).MakeGenericType(responseType), target, method);

    private static SftpInternals? Bind()
    {
        try
        {
            var assembly = typeof(SftpClient).Assembly;
            var sessionType = assembly.GetType("Renci.SshNet.Sftp.SftpSession");
            var subsystemType = assembly.GetType("Renci.SshNet.SubsystemSession");
            var readType = assembly.GetType("Renci.SshNet.Sftp.Requests.SftpReadRequest");
            var requestType = readType?.BaseType; // SftpRequest
            var writeType = assembly.GetType("Renci.SshNet.Sftp.Requests.SftpWriteRequest");
            var writeBufferType = assembly.GetType("Renci.SshNet.Sftp.Requests.SftpWriteRequestBuffer");
            var dataType = assembly.GetType("Renci.SshNet.Sftp.Responses.SftpDataResponse");
            var statusType = assembly.GetType("Renci.SshNet.Sftp.Responses.SftpStatusResponse");
            var sessionField = typeof(SftpClient).GetField("_sftpSession", BindingFlags.Instance | BindingFlags.NonPublic);
            if (sessionType is null || subsystemType is null || requestType is null || readType is null || writeType is null || writeBufferType is null || dataType is null || statusType is null || sessionField is null)
            {
                return null;
            }

            var dataAction = typeof(Action<>).MakeGenericType(dataType);
            var statusAction = typeof(Action<>).MakeGenericType(statusType);
            var readConstructor = readType.GetConstructor(new[] { typeof(uint), typeof(uint), typeof(byte[]), typeof(ulong), typeof(uint), dataAction, statusAction });
            var writeConstructor = writeType.GetConstructor(new[] { typeof(uint), writeBufferType, statusAction });
            var send = sessionType.GetMethod("SendRequest", BindingFlags.Instance | BindingFlags.NonPublic, null, new[] { requestType }, null);
            var bufferField = writeBufferType.GetField("_buffer", BindingFlags.Instance | BindingFlags.NonPublic);
            var errorOccurred = subsystemType.GetEvent("ErrorOccurred");
            var disconnected = subsystemType.GetEvent("Disconnected");
            if (readConstructor is null || writeConstructor is null || send is null || bufferField is null || bufferField.FieldType != typeof(byte[])
                || errorOccurred?.EventHandlerType != typeof(EventHandler<ExceptionEventArgs>) || disconnected?.EventHandlerType != typeof(EventHandler<EventArgs>))
            {
                return null;
            }

            var obj = Expression.Parameter(typeof(object), "session");
            var session = Expression.Convert(obj, sessionType);
            var client = Expression.Parameter(typeof(SftpClient), "client");
            var request = Expression.Parameter(typeof(object), "request");
            var version = Expression.Parameter(typeof(uint), "version");
            var id = Expression.Parameter(typeof(uint), "id");
            var handle = Expression.Parameter(typeof(byte[]), "handle");
            var offset = Expression.Parameter(typeof(ulong), "offset");
            var length = Expression.Parameter(typeof(uint), "length");
            var onData = Expression.Parameter(typeof(Delegate), "onData");
            var onStatus = Expression.Parameter(typeof(Delegate), "onStatus");
            var array = Expression.Parameter(typeof(byte[]), "array");
            var writeBuffer = Expression.Parameter(typeof(object), "buffer");
            var response = Expression.Parameter(typeof(object), "response");

            // An SftpWriteRequestBuffer over our own array: its constructors take spans, which
            // reflection cannot pass, and all it holds is the array (usePool stays false).
            // RuntimeHelpers.GetUninitializedObject where the runtime has it (PowerShell 7);
            // FormatterServices' (obsolete there, the only one on .NET Framework) otherwise.
#if NET
            var uninitialized = typeof(System.Runtime.CompilerServices.RuntimeHelpers).GetMethod(nameof(System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject))!;
#else
            var uninitialized = typeof(System.Runtime.CompilerServices.RuntimeHelpers).GetMethod("GetUninitializedObject", new[] { typeof(Type) })
                ?? typeof(FormatterServices).GetMethod(nameof(FormatterServices.GetUninitializedObject))!;
#endif
            var wrapped = Expression.Variable(writeBufferType, "wrapped");

            // The strings below name SSH.NET's members (some share our properties' names).
#pragma warning disable CA1507
            var bound = new SftpInternals
            {
                SessionOf = Expression.Lambda<Func<SftpClient, object?>>(Expression.Field(client, sessionField), client).Compile(),
                ProtocolVersion = Expression.Lambda<Func<object, uint>>(Expression.Property(session, "ProtocolVersion"), obj).Compile(),
                NextRequestId = Expression.Lambda<Func<object, uint>>(Expression.Property(session, "NextRequestId"), obj).Compile(),
                SendRequest = Expression.Lambda<Action<object, object>>(Expression.Call(session, send, Expression.Convert(request, requestType)), obj, request).Compile(),
                NewReadRequest = Expression.Lambda<Func<uint, uint, byte[], ulong, uint, Delegate, Delegate, object>>(
                    Expression.New(readConstructor, version, id, handle, offset, length, Expression.Convert(onData, dataAction), Expression.Convert(onStatus, statusAction)),
                    version, id, handle, offset, length, onData, onStatus).Compile(),
                NewWriteRequest = Expression.Lambda<Func<uint, object, Delegate, object>>(
                    Expression.New(writeConstructor, version, Expression.Convert(writeBuffer, writeBufferType), Expression.Convert(onStatus, statusAction)),
                    version, writeBuffer, onStatus).Compile(),
                NewWriteBuffer = Expression.Lambda<Func<byte[], object>>(
                    Expression.Block(
                        new[] { wrapped },
                        Expression.Assign(wrapped, Expression.Convert(Expression.Call(uninitialized, Expression.Constant(writeBufferType)), writeBufferType)),
                        Expression.Assign(Expression.Field(wrapped, bufferField), array),
                        wrapped),
                    array).Compile(),
                DataOf = Expression.Lambda<Func<object, ArraySegment<byte>>>(Expression.Property(Expression.Convert(response, dataType), "Data"), response).Compile(),
                StatusCodeOf = Expression.Lambda<Func<object, int>>(Expression.Convert(Expression.Property(Expression.Convert(response, statusType), "StatusCode"), typeof(int)), response).Compile(),
                ErrorMessageOf = Expression.Lambda<Func<object, string?>>(Expression.Property(Expression.Convert(response, statusType), "ErrorMessage"), response).Compile(),
                IsOpen = Expression.Lambda<Func<object, bool>>(Expression.Property(Expression.Convert(obj, subsystemType), "IsOpen"), obj).Compile(),
                DataResponseType = dataType,
                StatusResponseType = statusType,
                ErrorOccurred = errorOccurred,
                Disconnected = disconnected,
            };
            bound.GiveReceiveBuffer = BindGiveReceiveBuffer(sessionType) ?? bound.GiveReceiveBuffer;
            return bound;
#pragma warning restore CA1507
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or MemberAccessException or TargetInvocationException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// (session, array) → SftpSession._buffer = new ArrayBuffer(array) when that buffer is empty:
    /// SSH.NET starts each session's at 32 KB and grows it by doubling into fresh arrays (64, 128,
    /// 256 KB for the fast path's 128 KB answers), garbage with every new connection. Null when
    /// the member is not there with that shape.
    /// </summary>
    private static Func<object, byte[], bool>? BindGiveReceiveBuffer(Type sessionType)
    {
        var field = sessionType.GetField("_buffer", BindingFlags.Instance | BindingFlags.NonPublic);
        var constructor = field?.FieldType.GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, new[] { typeof(byte[]) }, null);
        var activeLength = field?.FieldType.GetProperty("ActiveLength", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        if (field is null || !field.FieldType.IsValueType || constructor is null || activeLength?.PropertyType != typeof(int))
        {
            return null;
        }

        var obj = Expression.Parameter(typeof(object), "session");
        var array = Expression.Parameter(typeof(byte[]), "array");
        var buffer = Expression.Field(Expression.Convert(obj, sessionType), field);
        var body = Expression.Condition(
            Expression.Equal(Expression.Property(buffer, activeLength), Expression.Constant(0)),
            Expression.Block(Expression.Assign(buffer, Expression.New(constructor, array)), Expression.Constant(true)),
            Expression.Constant(false));
        return Expression.Lambda<Func<object, byte[], bool>>(body, obj, array).Compile();
    }
}

/// <summary>
/// SSH.NET's SSH_FXP_WRITE request buffer, which <see cref="PipelinedSftp"/> fills itself:
/// [4: length, set on send][1: type 6][4: request id][4: handle length][handle][8: offset][4: data length][data].
/// </summary>
internal static class WriteRequestLayout
{
    private const byte SshFxpWrite = 6;

    public static int HeaderLength(int handleLength) => 13 + handleLength + 8 + 4;

    /// <summary>Writes the header for <paramref name="dataLength"/> bytes at <paramref name="offset"/>; the data goes at <see cref="HeaderLength"/>.</summary>
    public static void WriteHeader(byte[] buffer, uint requestId, byte[] handle, ulong offset, int dataLength)
    {
        buffer[4] = SshFxpWrite;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(5), requestId);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(9), handle.Length);
        Buffer.BlockCopy(handle, 0, buffer, 13, handle.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(13 + handle.Length), offset);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(13 + handle.Length + 8), dataLength);
    }
}
