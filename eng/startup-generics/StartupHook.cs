using System.Diagnostics.Tracing;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

/// <summary>
/// Loaded into a JIT run of WhoAmI by DOTNET_STARTUP_HOOKS. Listens to the dependency injection container's
/// own event source, collects every constructed generic type in the call sites it builds (IOptions&lt;T&gt;,
/// OptionsFactory&lt;T&gt;, IEnumerable&lt;IConfigureOptions&lt;T&gt;&gt;, ILogger&lt;T&gt;, …), and at exit writes them
/// as an rd.xml file for the Native AOT compiler to the path in WHOAMI_STARTUP_GENERICS_OUT.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        var output = Environment.GetEnvironmentVariable("WHOAMI_STARTUP_GENERICS_OUT")
            ?? throw new InvalidOperationException("WHOAMI_STARTUP_GENERICS_OUT is not set");
        var listener = new CallSiteListener();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            using var writer = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) });
            RdXml.From(listener.TypeNames()).Save(writer);
        };
    }
}

/// <summary>The type names in every call site the container reports as built.</summary>
internal sealed partial class CallSiteListener : EventListener
{
    private readonly HashSet<string> _names = [];

    public IReadOnlyCollection<string> TypeNames()
    {
        lock (_names)
        {
            return [.. _names];
        }
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Extensions-DependencyInjection")
        {
            EnableEvents(source, EventLevel.Verbose, EventKeywords.All);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        // CallSiteBuilt(serviceType, callSite): the call site is JSON naming the service, implementation and
        // item types of the whole tree the container built to answer one request.
        if (e.EventName != "CallSiteBuilt" || e.Payload is null)
        {
            return;
        }
        lock (_names)
        {
            foreach (Match type in TypeInCallSite().Matches(string.Join(' ', e.Payload)))
            {
                _names.Add(type.Groups["name"].Value);
            }
        }
    }

    [GeneratedRegex("\"(?:serviceType|implementationType|itemType)\": ?\"(?<name>[^\"]+`[^\"]+)\"")]
    private static partial Regex TypeInCallSite();
}

/// <summary>Runtime directives (rd.xml) that root each generic instantiation, grouped by assembly.</summary>
internal static class RdXml
{
    private static readonly XNamespace Ns = "http://schemas.microsoft.com/netfx/2013/01/metadata";

    public static XDocument From(IEnumerable<string> typeNames)
    {
        var byAssembly = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var type in typeNames.Select(Resolve).OfType<Type>())
        {
            Add(type);
            // The container answers IEnumerable<T> with a T[]: the array type is made at run time too.
            if (type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                Add(type.GetGenericArguments()[0].MakeArrayType());
            }
        }

        return new XDocument(
            new XComment(" Written by eng/startup-generics/list-startup-generics.sh; do not edit by hand. "),
            new XElement(Ns + "Directives",
                new XElement(Ns + "Application",
                    byAssembly.Select(a => new XElement(Ns + "Assembly", new XAttribute("Name", a.Key),
                        a.Value.Select(t => new XElement(Ns + "Type", new XAttribute("Name", t), new XAttribute("Dynamic", "Required All"))))))));

        void Add(Type type)
        {
            // An array's directive belongs to its element's assembly; a generic's to its definition's.
            var owner = type.IsArray ? type.GetElementType()! : type.GetGenericTypeDefinition();
            var assembly = owner.Assembly.GetName().Name!;
            if (!byAssembly.TryGetValue(assembly, out var types))
            {
                byAssembly[assembly] = types = new SortedSet<string>(StringComparer.Ordinal);
            }
            types.Add(Shorten(type.FullName!));
        }
    }

    // Versions and keys in the names would tie the file to one servicing release of the framework.
    private static string Shorten(string fullName) =>
        Regex.Replace(fullName, @", Version=[^,\]]+, Culture=[^,\]]+, PublicKeyToken=[^,\]]+", "");

    private static Type? Resolve(string name) =>
        Type.GetType(name, assemblyResolver: null, typeResolver: (assembly, simpleName, ignoreCase) =>
            assembly?.GetType(simpleName) ?? AppDomain.CurrentDomain.GetAssemblies()
                .Select(a => a.GetType(simpleName)).FirstOrDefault(t => t is not null),
            throwOnError: false);
}
